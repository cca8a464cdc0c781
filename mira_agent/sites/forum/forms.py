"""Server-side validation of the forum's forms (submit, edit, comment, reply).

Nothing relies on HTML5 `required`: a browser's validation bubble is invisible to an
accessibility-tree observer. Each problem comes back as a sentence keyed by its field,
shown next to that field.
"""

from __future__ import annotations

from mira_agent.sites.forms import Form, FormResult, multi_line, one_line
from mira_agent.sites.forum.data import FORUMS_BY_SLUG

MAX_TITLE = 120
MAX_BODY = 5000
MAX_COMMENT = 2000


def validate_post(form: Form, *, with_forum: bool = True) -> FormResult:
    """A new post (forum, title, body) or an edit (title, body)."""
    values = {"title": one_line(form, "title"), "body": multi_line(form, "body")}
    errors: dict[str, str] = {}
    if with_forum:
        values["forum"] = one_line(form, "forum")
        if not values["forum"]:
            errors["forum"] = "Choose the forum to post in."
        elif values["forum"] not in FORUMS_BY_SLUG:
            errors["forum"] = "That forum doesn't exist. Choose one from the list."
    if not values["title"]:
        errors["title"] = "Enter a title."
    elif len(values["title"]) > MAX_TITLE:
        errors["title"] = f"The title must be {MAX_TITLE} characters or fewer."
    if not values["body"]:
        errors["body"] = "Write the body of your post."
    elif len(values["body"]) > MAX_BODY:
        errors["body"] = f"The body must be {MAX_BODY} characters or fewer."
    return FormResult(values, errors)


def validate_comment(form: Form) -> FormResult:
    values = {"body": multi_line(form, "body")}
    errors: dict[str, str] = {}
    if not values["body"]:
        errors["body"] = "Write something before posting."
    elif len(values["body"]) > MAX_COMMENT:
        errors["body"] = f"Comments must be {MAX_COMMENT} characters or fewer."
    return FormResult(values, errors)
