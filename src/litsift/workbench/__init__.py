"""`litsift screen serve`: a local browser workbench that writes the reviewers' YAML files.

- `session`: one person screening (or adjudicating) one stage: the ranked queue, each
  decision written through `litsift.store` and the audit log before it is shown as saved;
- `terms`: the inclusion and exclusion terms highlighted in titles and abstracts;
- `app`: the Starlette app (token, Host and Origin checks, JSON API, one page);
- `server`: binds the socket, prints the URL and runs uvicorn.
"""
