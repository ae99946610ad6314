"""The shop's information pages (django.contrib.flatpages) as they are first created: staff edit
them in the admin (*Flat pages*) afterwards. A data migration creates them, so every database has
them after ``migrate``; tests call the same functions (the ``information_pages`` fixture), since a
transactional test's flush empties the tables a data migration filled.

The figures that depend on settings (how long advisor results are kept) are not written here: the
privacy page's template adds them from the settings (pages/templatetags/information_pages.py), and
the shipping page (served by shipping/views.py) adds the live rate table under its text.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


@dataclass(frozen=True)
class InformationPage:
    url: str
    title: str
    content: str
    template_name: str = ""


INFORMATION_PAGES: tuple[InformationPage, ...] = (
    InformationPage(
        url="/shipping/",
        title="Shipping",
        content=(
            "<p>We pack orders on business days and hand them to the carrier within one business day. "
            "The table below lists what shipping costs to each country, from which order value it is free, "
            "and how many business days delivery takes once the parcel has left us.</p>"
            "<p>The shipping cost is shown in your cart and at checkout before you place the order, for the "
            "country you choose, and the confirmation email repeats it.</p>"
        ),
    ),
    InformationPage(
        url="/returns/",
        title="Returns",
        content=(
            "<p>You may return unopened products within 30 days of delivery for a full refund of their price. "
            "Email us with your order number first and we will tell you where to send them.</p>"
            "<p>For hygiene reasons we cannot take back opened packs, unless the product was damaged or wrong: "
            "then we replace it or refund it, and pay the return shipping.</p>"
            "<p>Refunds go back the way you paid, within 14 days of the return reaching us.</p>"
        ),
    ),
    InformationPage(
        url="/privacy/",
        title="Privacy",
        content=(
            "<p>We keep only what running the shop needs, and never sell or share it for advertising.</p>"
            "<h2>What we store</h2>"
            "<ul>"
            "<li><strong>Orders</strong>: your name, email address, phone number if you give one, shipping "
            "address, what you bought and what you paid, so we can deliver, invoice and keep accounts.</li>"
            "<li><strong>Your account</strong>, if you open one: your email address, a hash of your password "
            "(never the password), the address of your last order, your email preferences, and records of "
            "failed logins used to stop password guessing.</li>"
            "<li><strong>Advisor answers</strong>: the answers you give the advisor and the result it "
            "worked out, so the result page can be opened again. Emailing a result to yourself uses the "
            "address once; it is never stored.</li>"
            "<li><strong>Blood test results</strong> you enter under My vitamin D, only if you choose to keep "
            "them, with your account.</li>"
            "<li><strong>Your cart</strong>, in a session on our server, identified by a cookie.</li>"
            "</ul>"
            "<h2>Your rights</h2>"
            "<p>Logged in, you can download everything we hold about you or delete your account under "
            "<a href=\"/account/\">My account</a>. You can also write to us (see <a href=\"/pages/contact/\">"
            "Contact</a>).</p>"
        ),
        template_name="flatpages/privacy.html",
    ),
    InformationPage(
        url="/terms/",
        title="Terms of sale",
        content=(
            "<p>These terms apply to orders placed in this shop.</p>"
            "<h2>Orders and prices</h2>"
            "<p>Prices are shown with the currency at checkout. Your order is a binding offer once you press "
            "“Place order”; the confirmation email accepts it. Shipping is charged as shown at checkout.</p>"
            "<h2>Payment</h2>"
            "<p>You pay by invoice: the email with your order says how and by when.</p>"
            "<h2>Health information</h2>"
            "<p>Our products are dietary supplements, not medicines. The advisor and the product pages give "
            "general information, not medical advice or a diagnosis. Ask a clinician if you have a condition, "
            "are pregnant or take medication.</p>"
            "<h2>Returns</h2>"
            "<p>See <a href=\"/pages/returns/\">Returns</a>.</p>"
        ),
    ),
    InformationPage(
        url="/about/",
        title="About us",
        content=(
            "<p>VitaShop sells vitamin D3 and vitamin K2 supplements, and nothing else. We started it because "
            "choosing a dose and pairing D3 with K2 was harder than it should be.</p>"
            "<p>Our advisor recommends a paired dose from your answers and explains why, citing its sources. "
            "It gives general information, not a diagnosis.</p>"
        ),
    ),
    InformationPage(
        url="/contact/",
        title="Contact",
        content=(
            "<p>Questions about an order, a return or a product? Email "
            "<a href=\"mailto:help@vitashop.example\">help@vitashop.example</a> with your order number if you "
            "have one. We answer on business days, usually within one.</p>"
            "<p>We cannot give personal medical advice by email: please ask a clinician.</p>"
        ),
    ),
)


def shop_site(site_model):
    """The site flatpages belong to (SITE_ID), named after the shop rather than Django's
    "example.com". Takes the model as an argument so the data migration can pass its historical one."""
    site, _ = site_model.objects.update_or_create(
        pk=settings.SITE_ID,
        defaults={"domain": urlsplit(settings.SHOP_BASE_URL).netloc or "localhost", "name": settings.SHOP_NAME},
    )
    return site


def create_information_pages(flatpage_model, site) -> int:
    """Create the pages that do not exist yet on ``site``; pages staff edited are left alone.
    Takes the models as arguments so the data migration can pass its historical ones."""
    created = 0
    for page in INFORMATION_PAGES:
        flatpage, was_created = flatpage_model.objects.get_or_create(
            url=page.url,
            defaults={"title": page.title, "content": page.content, "template_name": page.template_name},
        )
        flatpage.sites.add(site)
        created += was_created
    return created
