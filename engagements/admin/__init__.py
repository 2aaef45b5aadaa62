"""The admin site for engagement records, one module per concept, with the access policy
applied and every write made by a service (see base.ServiceAdmin).

Every classified model's queryset starts from the access-policy selectors, so a record a
non-administrator may not read is missing from changelists, change pages, history pages,
autocomplete results and foreign-key choices alike. A non-administrator changes only
records of their own desks (accounts.policy.can_write_for_desk), as the services require.
"""

from . import attachments, commitments, directory, instruments, meetings

__all__ = ["attachments", "commitments", "directory", "instruments", "meetings"]
