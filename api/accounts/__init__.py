"""The API's resources of accounts (desks, tokens, the current user). They live in the api
app, which builds on accounts: accounts itself imports no other app of the project."""
