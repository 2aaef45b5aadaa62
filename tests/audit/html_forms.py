"""Read an HTML form the way a browser would submit it, so that tests post what a page
offers (every field, split widgets, inline management forms) rather than a hand-made dict."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self, form_id: str | None, containing: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.containing = containing
        self.forms: list[dict] = []
        self.current: dict | None = None
        self.select: tuple[str, bool] | None = None
        self.select_values: list[str] = []
        self.first_option: str | None = None
        self.textarea: str | None = None
        self.textarea_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = {name: value if value is not None else "" for name, value in attrs}
        if tag == "form":
            self.current = {
                "id": attributes.get("id"),
                "action": attributes.get("action"),
                "fields": [],
                "names": set(),
            }
            return
        if self.current is None:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text").lower()
            self.current["names"].add(name)
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attributes:
                return
            default = "on" if kind in {"checkbox", "radio"} else ""
            self.current["fields"].append((name, attributes.get("value", default)))
        elif tag == "select" and name:
            self.current["names"].add(name)
            self.select = (name, "multiple" in attributes)
            self.select_values, self.first_option = [], None
        elif tag == "option" and self.select is not None:
            value = attributes.get("value", "")
            if self.first_option is None:
                self.first_option = value
            if "selected" in attributes:
                self.select_values.append(value)
        elif tag == "textarea" and name:
            self.current["names"].add(name)
            self.textarea, self.textarea_text = name, []

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self.current is None:
            return
        if tag == "select" and self.select is not None:
            name, multiple = self.select
            values = self.select_values
            if not values and not multiple and self.first_option is not None:
                values = [self.first_option]
            self.current["fields"].extend((name, value) for value in values)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            text = "".join(self.textarea_text)
            self.current["fields"].append((self.textarea, text.removeprefix("\n")))
            self.textarea = None
        elif tag == "form":
            self.forms.append(self.current)
            self.current = None


def form_data(html: str, *, form_id: str | None = None, containing: str | None = None) -> dict:
    """The submitted data of the form with this id, or of the first form with a field named
    `containing`: {name: value} or {name: [values]} for repeated names."""
    parser = _FormParser(form_id, containing)
    parser.feed(html)
    for form in parser.forms:
        if form_id is not None and form["id"] != form_id:
            continue
        if containing is not None and containing not in form["names"]:
            continue
        data: dict = {}
        for name, value in form["fields"]:
            if name in data:
                existing = data[name]
                data[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
            else:
                data[name] = value
        return data
    raise AssertionError(f"No form {form_id or ''} with a field {containing or ''} on the page")
