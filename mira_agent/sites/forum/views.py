"""The forum's pages: handlers that render templates over a `Board` and record in
`ForumState` what was looked at and done. Every form posts, then redirects (post/
redirect/get), so reloading a page never votes or posts twice.
"""

from __future__ import annotations

from urllib.parse import urlencode

from mira_agent.sites.answers import long_date
from mira_agent.sites.forum.board import SORTS, Board, CommentView, PostView
from mira_agent.sites.forum.data import CURRENT_USER, FORUMS, FORUMS_BY_SLUG, ForumData
from mira_agent.sites.forum.forms import FormResult, validate_comment, validate_post
from mira_agent.sites.forum.state import ForumState, ListingView, SearchRecord
from mira_agent.sites.web import Request, Response, WebApp, page_number, page_of, redirect

SITE_TITLE = "Commons"
PAGE_SIZE = 25


def points(score: int) -> str:
    return f"{score} point" if abs(score) == 1 else f"{score} points"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def post_url(post: PostView) -> str:
    return f"/f/{post.forum}/{post.id}"


def safe_next(value: str, fallback: str = "/") -> str:
    """Where to go back to after a form: a path on this site only."""
    return value if value.startswith("/") and not value.startswith("//") else fallback


class ForumApp(WebApp):
    """Routes requests to page handlers over the seeded forum and an episode state."""

    def __init__(self, data: ForumData, state: ForumState) -> None:
        super().__init__(
            "mira_agent.sites.forum",
            filters={"long_date": long_date, "points": points, "post_url": post_url},
            globals={
                "site_title": SITE_TITLE,
                "forums": FORUMS,
                "forums_by_slug": FORUMS_BY_SLUG,
                "current_user": CURRENT_USER,
                "sorts": SORTS,
                "plural": plural,
            },
        )
        self.data = data
        self.state = state
        self.board = Board(data, state)
        forum = r"/f/(?P<forum>\w+)"
        post = forum + r"/(?P<post_id>\d+)"
        self.route("GET", r"/", self.front_page)
        self.route("GET", r"/forums", self.forum_list)
        self.route("GET", r"/subscriptions", self.subscriptions)
        self.route("GET", r"/search", self.search)
        self.route("GET", r"/submit", self.submit_form)
        self.route("POST", r"/submit", self.submit)
        self.route("POST", r"/vote", self.vote)
        self.route("GET", r"/u/(?P<user>\w+)", self.profile_posts)
        self.route("GET", r"/u/(?P<user>\w+)/comments", self.profile_comments)
        self.route("GET", forum, self.forum_page)
        self.route("POST", forum + r"/subscribe", self.subscribe)
        self.route("GET", post, self.post_page)
        self.route("POST", post + r"/comment", self.comment)
        self.route("GET", post + r"/reply/(?P<comment_id>\d+)", self.reply_form)
        self.route("POST", post + r"/reply/(?P<comment_id>\d+)", self.reply)
        self.route("GET", post + r"/edit", self.edit_form)
        self.route("POST", post + r"/edit", self.edit)
        self.route("POST", post + r"/delete", self.delete)

    # -- listings ---------------------------------------------------------------------

    def _listing(
        self, request: Request, slug: str | None, base: str, **context: object
    ) -> Response:
        sort = request.arg("sort", "hot")
        sort = sort if sort in SORTS else "hot"
        posts = self.board.listing(slug, sort)
        shown, page, pages = page_of(posts, page_number(request.arg("page", "1")), PAGE_SIZE)
        self.state.record_listing(ListingView(slug, sort, page, tuple(p.id for p in shown)))

        def page_url(number: int) -> str:
            return base + "?" + urlencode({"sort": sort, "page": number})

        return self.render(
            "listing.html",
            posts=shown,
            sort=sort,
            page=page,
            pages=pages,
            base=base,
            here=base + "?" + urlencode({"sort": sort, "page": page}),
            previous_url=page_url(page - 1) if page > 1 else None,
            next_url=page_url(page + 1) if page < pages else None,
            subscribed=self.state.subscriptions,
            **context,
        )

    def front_page(self, request: Request) -> Response:
        return self._listing(request, None, "/", forum=None)

    def forum_page(self, request: Request, forum: str) -> Response:
        found = FORUMS_BY_SLUG.get(forum)
        if found is None:
            return self.not_found(f"There is no forum called f/{forum}.")
        return self._listing(request, forum, f"/f/{forum}", forum=found)

    def forum_list(self, request: Request) -> Response:
        counts = {f.slug: len(self.board.posts(f.slug)) for f in FORUMS}
        return self.render("forums.html", counts=counts, subscribed=self.state.subscriptions)

    def subscriptions(self, request: Request) -> Response:
        subscribed = self.state.subscriptions
        mine = [f for f in FORUMS if f.slug in subscribed]
        return self.render("subscriptions.html", mine=mine, subscribed=subscribed)

    def subscribe(self, request: Request, forum: str) -> Response:
        if forum not in FORUMS_BY_SLUG:
            return self.not_found(f"There is no forum called f/{forum}.")
        self.state.subscribe(forum, request.field("action") != "unsubscribe")
        return redirect(safe_next(request.field("next"), f"/f/{forum}"))

    # -- search and profiles --------------------------------------------------------------

    def search(self, request: Request) -> Response:
        query = request.arg("q")
        posts, users = self.board.search(query) if query else ([], [])
        if query:
            self.state.record_search(SearchRecord(query, tuple(p.id for p in posts), tuple(users)))
        return self.render("search.html", query=query, posts=posts, users=users)

    def _profile(self, user: str, tab: str) -> Response:
        if user not in self.board.users():
            return self.not_found(f"There is no user called u/{user}.")
        self.state.record_profile(user, tab)
        return self.render(
            "profile.html",
            user=user,
            tab=tab,
            posts=self.board.user_posts(user) if tab == "posts" else [],
            comments=self.board.user_comments(user) if tab == "comments" else [],
        )

    def profile_posts(self, request: Request, user: str) -> Response:
        return self._profile(user, "posts")

    def profile_comments(self, request: Request, user: str) -> Response:
        return self._profile(user, "comments")

    # -- posts ----------------------------------------------------------------------------

    def _find_post(self, forum: str, post_id: str) -> PostView | Response:
        """The live post, or the 404 page when it is unknown, deleted or in another forum."""
        post = self.board.post(int(post_id))
        if post is None or post.forum != forum:
            return self.not_found("That post doesn't exist, or it was deleted.")
        return post

    def post_page(self, request: Request, forum: str, post_id: str) -> Response:
        post = self._find_post(forum, post_id)
        if isinstance(post, Response):
            return post
        self.state.record_post_view(post.id)
        return self._post_page(post, FormResult({"body": ""}))

    def _post_page(self, post: PostView, form: FormResult, status: int = 200) -> Response:
        return self.render(
            "post.html",
            status=status,
            post=post,
            thread=self.board.thread(post.id),
            forum=FORUMS_BY_SLUG[post.forum],
            values=form.values,
            errors=form.errors,
        )

    def comment(self, request: Request, forum: str, post_id: str) -> Response:
        post = self._find_post(forum, post_id)
        if isinstance(post, Response):
            return post
        result = validate_comment(request.form)
        if not result.ok:
            self.state.record_rejection("comment", tuple(result.errors))
            return self._post_page(post, result, status=422)
        added = self.state.add_comment(post.id, None, result.values["body"])
        return redirect(f"{post_url(post)}#c{added.id}")

    def _find_comment(self, post: PostView, comment_id: str) -> CommentView | None:
        comment = self.board.comment(int(comment_id))
        return comment if comment is not None and comment.post_id == post.id else None

    def _find_parent(
        self, forum: str, post_id: str, comment_id: str
    ) -> tuple[PostView, CommentView] | Response:
        """The post and the comment a reply is to, or the page to show instead."""
        post = self._find_post(forum, post_id)
        if isinstance(post, Response):
            return post
        parent = self._find_comment(post, comment_id)
        if parent is None:
            return self.not_found("That comment doesn't exist.")
        return post, parent

    def reply_form(self, request: Request, forum: str, post_id: str, comment_id: str) -> Response:
        found = self._find_parent(forum, post_id, comment_id)
        if isinstance(found, Response):
            return found
        post, parent = found
        self.state.record_reply_form(parent.id)
        return self.render("reply.html", post=post, parent=parent, values={"body": ""}, errors={})

    def reply(self, request: Request, forum: str, post_id: str, comment_id: str) -> Response:
        found = self._find_parent(forum, post_id, comment_id)
        if isinstance(found, Response):
            return found
        post, parent = found
        result = validate_comment(request.form)
        if not result.ok:
            self.state.record_rejection("reply", tuple(result.errors))
            return self.render(
                "reply.html",
                status=422,
                post=post,
                parent=parent,
                values=result.values,
                errors=result.errors,
            )
        added = self.state.add_comment(post.id, parent.id, result.values["body"])
        return redirect(f"{post_url(post)}#c{added.id}")

    # -- writing ------------------------------------------------------------------------

    def submit_form(self, request: Request) -> Response:
        forum = request.arg("forum")
        forum = forum if forum in FORUMS_BY_SLUG else ""
        self.state.record_submit_form(forum)
        values = {"forum": forum, "title": "", "body": ""}
        return self.render("submit.html", values=values, errors={}, post=None)

    def submit(self, request: Request) -> Response:
        result = validate_post(request.form)
        if not result.ok:
            self.state.record_rejection("submit", tuple(result.errors))
            return self.render(
                "submit.html", status=422, values=result.values, errors=result.errors, post=None
            )
        added = self.state.add_post(
            result.values["forum"], result.values["title"], result.values["body"]
        )
        return redirect(f"/f/{added.forum}/{added.id}")

    def _own_post(self, forum: str, post_id: str) -> PostView | Response:
        """The signed-in user's live post, or the page refusing to touch anyone else's."""
        post = self._find_post(forum, post_id)
        if isinstance(post, Response) or post.own:
            return post
        problem = "You can only edit or delete your own posts."
        return self.render("error.html", status=403, title="Not allowed", problems=[problem])

    def edit_form(self, request: Request, forum: str, post_id: str) -> Response:
        post = self._own_post(forum, post_id)
        if isinstance(post, Response):
            return post
        self.state.record_edit_form(post.id)
        values = {"title": post.title, "body": post.body}
        return self.render("submit.html", values=values, errors={}, post=post)

    def edit(self, request: Request, forum: str, post_id: str) -> Response:
        post = self._own_post(forum, post_id)
        if isinstance(post, Response):
            return post
        result = validate_post(request.form, with_forum=False)
        if not result.ok:
            self.state.record_rejection("edit", tuple(result.errors))
            return self.render(
                "submit.html", status=422, values=result.values, errors=result.errors, post=post
            )
        self.state.edit_post(post.id, result.values["title"], result.values["body"])
        return redirect(post_url(post))

    def delete(self, request: Request, forum: str, post_id: str) -> Response:
        post = self._own_post(forum, post_id)
        if isinstance(post, Response):
            return post
        self.state.delete_post(post.id)
        return redirect(f"/f/{post.forum}")

    def vote(self, request: Request) -> Response:
        kind, target_text = request.field("kind"), request.field("id")
        direction = {"up": 1, "down": -1}.get(request.field("dir"))
        if kind not in ("post", "comment") or not target_text.isdigit() or direction is None:
            return self.render(
                "error.html",
                status=400,
                title="We couldn't record that vote",
                problems=["The vote was missing what it was for. Go back and try again."],
            )
        target = int(target_text)
        exists = (
            self.board.post(target) if kind == "post" else self.board.comment(target)
        ) is not None
        if not exists:
            return self.not_found(f"That {kind} doesn't exist, or it was deleted.")
        self.state.cast_vote(kind, target, direction)
        return redirect(safe_next(request.field("next")))
