"""The bottom of the project: what every app and every face may import, importing no app."""
