"""Corner Shop's pages: handlers that render templates and record in `ShopState` what
the customer did. Forms follow post/redirect/get, so reloading never orders twice.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from mira_agent.sites.answers import long_date, money
from mira_agent.sites.forms import card_digits, one_line
from mira_agent.sites.shop.data import (
    CATEGORIES,
    CUSTOMER,
    SHIPPING_METHODS,
    US_STATES,
    Product,
    ShopData,
)
from mira_agent.sites.shop.forms import (
    MAX_QUANTITY,
    FormResult,
    parse_quantity,
    validate_payment,
    validate_review,
    validate_shipping,
)
from mira_agent.sites.shop.search import PAGE_SIZE, SORTS, parse_query, run_query
from mira_agent.sites.shop.state import Listing, ShopState, WrittenReview, cart_key
from mira_agent.sites.web import Request, Response, WebApp, page_number, page_of, redirect

SITE_TITLE = "Corner Shop"
ORDERS_PER_PAGE = 10


def stars(rating: float) -> str:
    return f"{rating:.1f} out of 5 stars"


class ShopApp(WebApp):
    """Routes requests to the shop's pages over a catalogue and an episode state."""

    def __init__(self, data: ShopData, state: ShopState) -> None:
        super().__init__(
            "mira_agent.sites.shop",
            home=("/", "Back to the shop"),
            filters={"money": money, "long_date": long_date, "stars": stars},
            globals={
                "site_title": SITE_TITLE,
                "categories": CATEGORIES,
                "customer": CUSTOMER,
                "us_states": US_STATES,
                "shipping_methods": SHIPPING_METHODS,
                "cart_count": self._cart_count,
                "progress": ("Checkout progress", ("Cart", "Shipping", "Payment", "Confirmation")),
            },
        )
        self.data = data
        self.state = state
        self.route("GET", r"/", self.index)
        self.route("GET", r"/search", self.search)
        self.route("GET", r"/category/(?P<slug>[a-z]+)", self.category)
        self.route("GET", r"/product/(?P<product_id>\d+)", self.product)
        self.route("GET", r"/product/(?P<product_id>\d+)/review", self.review_form)
        self.route("POST", r"/product/(?P<product_id>\d+)/review", self.submit_review)
        self.route("GET", r"/cart", self.cart)
        self.route("POST", r"/cart/add", self.add_to_cart)
        self.route("POST", r"/cart/update", self.update_cart)
        self.route("POST", r"/cart/remove", self.remove_from_cart)
        self.route("GET", r"/checkout", self.checkout)
        self.route("POST", r"/checkout", self.submit_checkout)
        self.route("GET", r"/checkout/payment", self.payment)
        self.route("POST", r"/checkout/payment", self.submit_payment)
        self.route("GET", r"/orders", self.orders)
        self.route("GET", r"/orders/(?P<number>CS-\d+)", self.order)
        self.route("GET", r"/orders/(?P<number>CS-\d+)/confirmation", self.confirmation)
        self.route("POST", r"/orders/(?P<number>CS-\d+)/cancel", self.cancel_order)

    def _cart_count(self) -> int:
        return sum(line.quantity for line in self.state.cart)

    # -- browsing --------------------------------------------------------------------

    def index(self, request: Request) -> Response:
        counts = {slug: len(self.data.in_category(slug)) for slug in CATEGORIES}
        top = sorted(
            (p for p in self.data.products if len(p.reviews) >= 6),
            key=lambda p: (-p.rating, int(p.id)),
        )[:6]
        return self.render("index.html", counts=counts, top=top)

    def search(self, request: Request) -> Response:
        return self._listing(request, "")

    def category(self, request: Request, slug: str) -> Response:
        if slug not in CATEGORIES:
            return self.not_found(f"We don't have a category called \u201c{slug}\u201d.")
        return self._listing(request, slug)

    def _listing(self, request: Request, slug: str) -> Response:
        query = parse_query(request.query, slug)
        found = run_query(self.data.products, query)
        shown, page, pages = page_of(found, query.page, PAGE_SIZE)
        self.state.record_listing(
            Listing(
                query=query.query,
                category=query.category,
                min_price=query.min_price,
                max_price=query.max_price,
                sort=query.sort,
                page=page,
                product_ids=tuple(p.id for p in shown),
            )
        )
        base = f"/category/{slug}" if slug else "/search"

        def page_url(n: int) -> str:
            params = query.params(page=n if n > 1 else "")
            if slug:
                params.pop("category", None)
            return base + ("?" + urlencode(params) if params else "")

        return self.render(
            "listing.html",
            slug=slug,
            query=query,
            products=shown,
            total=len(found),
            first_index=(page - 1) * PAGE_SIZE + 1,
            page=page,
            pages=pages,
            previous_url=page_url(page - 1) if page > 1 else "",
            next_url=page_url(page + 1) if page < pages else "",
            action=base,
            sorts=SORTS,
            price_text=lambda cents: "" if cents is None else f"{cents / 100:g}",
        )

    def product(self, request: Request, product_id: str) -> Response:
        product = self.data.product(product_id)
        if product is None:
            return self.not_found(f"We couldn't find a product with the id {product_id}.")
        self.state.record_product_view(product.id)
        values = {"quantity": "1", "option": ""}
        return self._product_page(product, values, {}, reviewed=request.arg("reviewed") == "1")

    def _product_page(
        self,
        product: Product,
        values: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
        reviewed: bool = False,
    ) -> Response:
        own = [r for r in self.state.reviews if r.product_id == product.id]
        return self.render(
            "product.html",
            status=status,
            product=product,
            values=values,
            errors=errors,
            own_reviews=list(reversed(own)),
            reviewed=reviewed,
            limit=min(MAX_QUANTITY, product.stock),
            category_name=CATEGORIES[product.category],
        )

    # -- cart ------------------------------------------------------------------------

    def add_to_cart(self, request: Request) -> Response:
        product = self.data.product(request.field("product_id"))
        if product is None:
            return self.not_found("That product is no longer available.")
        values = {"quantity": one_line(request.form, "quantity"), "option": request.field("option")}
        errors: dict[str, str] = {}
        if not product.in_stock:
            errors["quantity"] = "This item is out of stock."
        limit = min(MAX_QUANTITY, product.stock)
        quantity, problem = parse_quantity(values["quantity"], max(limit, 1))
        if problem and "quantity" not in errors:
            errors["quantity"] = problem
        option = values["option"]
        if product.options and option not in product.options:
            errors["option"] = f"Choose a {product.option_name.lower()}."
        if not product.options:
            option = ""
        if errors or quantity is None:
            self.state.record_rejection("add_to_cart", tuple(errors))
            return self._product_page(product, values, errors, status=422)
        self.state.add_to_cart(product.id, option, quantity, limit)
        return redirect("/cart?" + urlencode({"added": cart_key(product.id, option)}))

    def cart(self, request: Request) -> Response:
        self.state.record_cart_view()
        return self._cart_page(added=request.arg("added"))

    def _cart_page(
        self, added: str = "", errors: dict[str, str] | None = None, status: int = 200
    ) -> Response:
        summary = self._summary()
        added_line = next(((line, p) for line, p in summary["rows"] if line.key == added), None)
        return self.render(
            "cart.html", status=status, added=added_line, errors=errors or {}, **summary
        )

    def update_cart(self, request: Request) -> Response:
        key = request.field("line")
        line = self.state.cart_line(key)
        if line is None:
            return redirect("/cart")
        product = self.data.product(line.product_id)
        assert product is not None
        quantity, problem = parse_quantity(
            one_line(request.form, "quantity"), max(1, min(MAX_QUANTITY, product.stock))
        )
        if quantity is None:
            self.state.record_rejection("cart", ("quantity",))
            return self._cart_page(errors={key: problem or ""}, status=422)
        self.state.set_quantity(key, quantity)
        return redirect("/cart")

    def remove_from_cart(self, request: Request) -> Response:
        self.state.remove_from_cart(request.field("line"))
        return redirect("/cart")

    # -- checkout --------------------------------------------------------------------

    def _summary(self) -> dict[str, Any]:
        """The cart's lines with their products, and its subtotal, for the checkout pages."""
        rows = []
        for line in self.state.cart:
            product = self.data.product(line.product_id)
            assert product is not None, "the cart only holds known products"
            rows.append((line, product))
        return {"rows": rows, "subtotal": sum(line.quantity * p.price for line, p in rows)}

    def checkout(self, request: Request) -> Response:
        if not self.state.cart:
            return redirect("/cart")
        shipping = self.state.shipping
        address = shipping.address if shipping else CUSTOMER.address
        values = {
            "full_name": address.full_name,
            "street": address.street,
            "city": address.city,
            "state": address.state,
            "zip_code": address.zip_code,
            "method": shipping.method if shipping else "standard",
        }
        return self.render("checkout.html", values=values, errors={}, **self._summary())

    def submit_checkout(self, request: Request) -> Response:
        if not self.state.cart:
            return redirect("/cart")
        result, address, method = validate_shipping(request.form)
        if address is None:
            self.state.record_rejection("checkout", tuple(result.errors))
            return self.render(
                "checkout.html",
                status=422,
                values=result.values,
                errors=result.errors,
                **self._summary(),
            )
        self.state.submit_shipping(address, method)
        return redirect("/checkout/payment")

    def _payment_page(self, result: FormResult, status: int = 200) -> Response:
        shipping = self.state.shipping
        assert shipping is not None
        summary = self._summary()
        fee = SHIPPING_METHODS[shipping.method][1]
        return self.render(
            "payment.html",
            status=status,
            values=result.values,
            errors=result.errors,
            shipping=shipping,
            fee=fee,
            total=summary["subtotal"] + fee,
            **summary,
        )

    def payment(self, request: Request) -> Response:
        if not self.state.cart:
            return redirect("/cart")
        if self.state.shipping is None:
            return redirect("/checkout")
        empty = {"cardholder": "", "card_number": "", "expiry": "", "cvv": ""}
        return self._payment_page(FormResult(empty))

    def submit_payment(self, request: Request) -> Response:
        if not self.state.cart:
            return redirect("/cart")
        if self.state.shipping is None:
            return redirect("/checkout")
        result = validate_payment(request.form)
        if not result.ok:
            self.state.record_rejection("payment", tuple(result.errors))
            return self._payment_page(result, status=422)
        order = self.state.place_order(card_digits(result.values["card_number"])[-4:])
        return redirect(f"/orders/{order.number}/confirmation")

    # -- orders ----------------------------------------------------------------------

    def orders(self, request: Request) -> Response:
        orders = self.state.orders
        shown, page, pages = page_of(orders, page_number(request.arg("page")), ORDERS_PER_PAGE)
        self.state.record_history_view(page, tuple(o.number for o in shown))
        return self.render(
            "orders.html",
            orders=shown,
            page=page,
            pages=pages,
            total=len(orders),
            newer_url=f"/orders?page={page - 1}" if page > 1 else "",
            older_url=f"/orders?page={page + 1}" if page < pages else "",
        )

    def order(self, request: Request, number: str) -> Response:
        order = self.state.order(number)
        if order is None:
            return self.not_found(f"We couldn't find an order numbered {number}.")
        self.state.record_order_view(number)
        return self.render(
            "order.html",
            order=order,
            cancelled=request.arg("cancelled") == "1",
            fee=SHIPPING_METHODS[order.shipping][1],
        )

    def confirmation(self, request: Request, number: str) -> Response:
        order = self.state.order(number)
        if order is None:
            return self.not_found(f"We couldn't find an order numbered {number}.")
        return self.render("confirmation.html", order=order)

    def cancel_order(self, request: Request, number: str) -> Response:
        order = self.state.order(number)
        if order is None:
            return self.not_found(f"We couldn't find an order numbered {number}.")
        if not self.state.cancel_order(number):
            return self.render(
                "error.html",
                status=409,
                title="This order can't be cancelled",
                problems=[
                    f"Order {number} is {order.status.lower()}; only pending orders can be "
                    "cancelled."
                ],
                back_url=f"/orders/{number}",
                back_text="Back to the order",
            )
        return redirect(f"/orders/{quote(number)}?cancelled=1")

    # -- reviews ---------------------------------------------------------------------

    def review_form(self, request: Request, product_id: str) -> Response:
        product = self.data.product(product_id)
        if product is None:
            return self.not_found(f"We couldn't find a product with the id {product_id}.")
        self.state.record_review_form(product.id)
        values = {"rating": "", "title": "", "body": "", "nickname": CUSTOMER.name.split()[0]}
        return self.render("review.html", product=product, values=values, errors={})

    def submit_review(self, request: Request, product_id: str) -> Response:
        product = self.data.product(product_id)
        if product is None:
            return self.not_found(f"We couldn't find a product with the id {product_id}.")
        result = validate_review(request.form)
        if not result.ok:
            self.state.record_rejection("review", tuple(result.errors))
            return self.render(
                "review.html",
                status=422,
                product=product,
                values=result.values,
                errors=result.errors,
            )
        v = result.values
        self.state.add_review(
            WrittenReview(product.id, int(v["rating"]), v["title"], v["body"], v["nickname"])
        )
        return redirect(f"/product/{product.id}?reviewed=1")
