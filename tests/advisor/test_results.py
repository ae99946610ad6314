"""The result page decides: the urgent or referral message, or the pair with its products and one
add button, then the chart, the reasons with their sources, the alternatives (each with its own add
button), foods, "Email me this result" and the printable version."""
from __future__ import annotations

import html as html_lib
import io
import json
import re
import uuid
from datetime import date, timedelta
from smtplib import SMTPException

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from advisor import engine
from advisor.models import AdvisorResult
from advisor.presenter import present_result
from advisor.services import recommendation_create
from config.ratelimit import Rate
from shop.cart import Cart
from shop.services.images import product_image_create
from tests.factories import FoodSourceFactory, ProductFactory

pytestmark = pytest.mark.django_db

EMAIL = "reader@example.com"


def inadequate_level_result() -> AdvisorResult:
    """45-year-old woman at 16 ng/mL: a D3 dose above 1,000 IU, MK-7, and a projection to chart."""
    return recommendation_create(
        engine.Answers(
            age=45,
            sex="female",
            current_d3_iu=0,
            goals=frozenset({"bone"}),
            blood_level=engine.BloodLevel(value=16, unit="ng/mL"),
        )
    )


def toxic_level_result() -> AdvisorResult:
    """160 ng/mL on 10,000 IU a day: the urgent wording, among several referral reasons."""
    return recommendation_create(
        engine.Answers(
            age=60,
            current_d3_iu=10_000,
            conditions=frozenset({"kidney_disease"}),
            blood_level=engine.BloodLevel(value=160, unit="ng/mL"),
        )
    )


def with_picture(product):
    """Give a product an uploaded picture, with its renditions, as staff would."""
    buffer = io.BytesIO()
    Image.new("RGB", (400, 400), (200, 120, 40)).save(buffer, "PNG")
    buffer.seek(0)
    product_image_create(product=product, file=buffer, alt_text=f"{product.name} bottle")
    return product


def text_of(html: str) -> str:
    """The page's text as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture
def result() -> AdvisorResult:
    return inadequate_level_result()


@pytest.fixture
def pair(result):
    """A D3 and a K2 product at exactly the recommended doses (with pictures), foods for both."""
    d3 = with_picture(ProductFactory(name="Sunny D3", doses={"d3": result.d3_daily_iu / 40}, price="9.00"))
    k2 = with_picture(ProductFactory(name="Natto K2", doses={"k2-mk7": result.k2_daily_mcg}, price="11.00"))
    FoodSourceFactory(name="Sockeye salmon", amounts={"d3": 14.2})
    FoodSourceFactory(name="Natto", amounts={"k2-mk7": 850})
    return d3, k2


@pytest.fixture
def alternatives(result, pair):
    """Two more options, further from the dose than the pair: a combination and another pair."""
    combo = ProductFactory(
        name="Near combo", doses={"d3": result.d3_daily_iu / 40 * 0.9, "k2-mk7": result.k2_daily_mcg}, price="15.00"
    )
    other_d3 = ProductFactory(name="Other D3", doses={"d3": result.d3_daily_iu / 40 * 1.2}, price="8.00")
    return combo, other_d3


def decision_part(html: str) -> str:
    """The first screen's markup: the page's main content before the chart (the site header, with
    its search button, is on every page)."""
    return html[html.index('<main') : html.index('id="chart-title"')]


def test_the_first_screen_says_the_pair_in_plain_words_with_pictures_price_one_button_and_the_test_date(
    client, result, pair
):
    d3, k2 = pair
    shown = present_result(result)

    html = client.get(result.get_absolute_url()).content.decode()

    assert result.d3_daily_iu >= 1000
    top = decision_part(html)
    assert html_lib.escape(shown["headline"]) in top
    assert "<h1" in top and top.index("<h1") < top.index(f"{result.d3_daily_iu:,} IU")
    # IU with thousands separators, and mcg beside it.
    assert f"{result.d3_daily_iu:,} IU" in top
    assert f"{result.d3_daily_iu / 40:g} mcg" in top
    assert f"{result.k2_daily_mcg} mcg MK-7" in top
    # Both products, each with its picture, servings a day and price for 30 days; one add button.
    for product in (d3, k2):
        assert product.name in top
    assert top.count("<picture") == 2 and f'alt="{d3.name} bottle"' in top
    assert top.count("1 a day") == 2
    assert f"{result.d3_daily_iu:,} IU ({result.d3_daily_iu / 40:g} mcg) D3 per serving" in text_of(top)
    assert "for 30 days" in top
    assert top.count('<button type="submit"') == 1 and "Add the pair to cart" in top
    for product in (d3, k2):
        assert f'name="product" value="{product.pk}"' in top
    assert shown["next_test"]["text"] in top
    # Nothing inline that a strict CSP would block.
    assert 'style="' not in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None


@pytest.mark.parametrize("make_result", [
    inadequate_level_result,
    toxic_level_result,
    lambda: recommendation_create(engine.Answers(
        age=58, current_d3_iu=1500, other_d3_daily_iu=1000, medications=frozenset({"vitamin_k_antagonist"}),
        blood_level=engine.BloodLevel(value=18, unit="ng/mL"))),
])
def test_no_dose_on_the_page_or_the_printed_sheet_reads_like_2000_iu(client, make_result):
    result = make_result()
    ProductFactory(doses={"d3": 50})
    for url in (result.get_absolute_url(), reverse("advisor:result_print", args=[result.pk])):
        page = text_of(client.get(url).content.decode())
        assert re.findall(r"\b\d{4,} ?(?:IU|mcg)", page) == [], url


def test_then_the_chart_then_why_then_alternatives_foods_and_keeping_it(client, result, pair, alternatives):
    html = client.get(result.get_absolute_url()).content.decode()

    order = [
        "Add the pair to cart", 'id="chart-title"', 'id="why-title"', 'id="alternatives-title"',
        'id="foods-title"', 'id="email-me"', "General information, not a diagnosis.",
    ]
    positions = [html.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert "<svg" in html and 'class="target-band"' in html and 'class="projection-line"' in html
    assert "Projected 25(OH)D by week, in ng/mL" in html
    assert len(re.findall(r'<tr><th scope="row">\d+</th>', html)) == len(result.outcome["projection"])
    assert "Sockeye salmon" in html and "Natto" in html
    foods = present_result(result)["foods"]
    assert f"Amounts per serving from {'; '.join(dict.fromkeys(f['source'] for f in foods))}." in text_of(html)


def test_every_reason_links_its_source_and_the_internals_sit_in_a_disclosure(client, result, pair):
    shown = present_result(result)

    html = client.get(result.get_absolute_url()).content.decode()

    why = html[html.index('id="why-title"'):html.index("</section>", html.index('id="why-title"'))]
    for line in shown["why"]:
        assert html_lib.escape(line["text"]) in why
        if line["url"]:
            assert f'<a href="{line["url"]}" rel="noopener noreferrer">{html_lib.escape(line["source"])}</a>' in why
        else:
            assert html_lib.escape(line["source"]) in why
    details = why[why.index("<details"):]
    assert "How the advisor worked this out" in details
    assert html_lib.escape(result.engine_version) in details
    for item in shown["internals"]:
        assert html_lib.escape(item["value"]) in details


def test_every_reason_on_the_page_is_in_the_api_response(client, result, pair):
    """Parity: the page and the API come from one presenter, so whatever the page gives as a reason,
    warning or referral, the API says too."""
    shown = present_result(result)
    html = text_of(client.get(result.get_absolute_url()).content.decode())
    api = client.get(reverse("advisor_api:recommendation_detail", args=[result.pk]))

    api_text = json.dumps(api.json(), ensure_ascii=False)
    reasons = [m["text"] for m in shown["messages"]] + [line["text"] for line in shown["why"]]
    reasons += shown["clinician_questions"]
    assert reasons
    for reason in reasons:
        assert reason in html
        assert json.dumps(reason, ensure_ascii=False)[1:-1] in api_text


@pytest.mark.parametrize("make_result", [toxic_level_result, lambda: recommendation_create(
    engine.Answers(age=40, current_d3_iu=0, conditions=frozenset({"kidney_disease"})))])
def test_a_referral_is_the_heading_its_reasons_come_first_and_every_reason_is_in_the_api(client, make_result):
    result = make_result()
    shown = present_result(result)

    html = client.get(result.get_absolute_url()).content.decode()

    assert result.refer_to_clinician
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
    assert h1 == html_lib.escape(shown["headline"])
    first_reason = html_lib.escape(shown["referral_reasons"][0])
    assert html.index(h1) < html.index(first_reason) < html.index('id="email-me"')
    assert "Add the pair to cart" not in html and "Add to cart" not in html
    # The printable version, to take to the clinician, is offered right there (and again further down).
    assert reverse("advisor:result_print", args=[result.pk]) in html[: html.index('id="keep-title"')]
    api_text = json.dumps(client.get(reverse("advisor_api:recommendation_detail", args=[result.pk])).json(),
                          ensure_ascii=False)
    for reason in shown["referral_reasons"]:
        assert json.dumps(reason, ensure_ascii=False)[1:-1] in api_text


def test_a_toxic_level_puts_the_urgent_wording_first_as_the_heading(client):
    result = toxic_level_result()
    shown = present_result(result)

    html = client.get(result.get_absolute_url()).content.decode()

    assert shown["urgent"]
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
    assert h1.startswith("Urgent")
    messages = re.findall(r'<li class="result-message result-message-(\w+)">', html)
    assert messages[0] == "urgent"
    assert len(messages) > 1 and "urgent" not in messages[1:]
    assert html.index(h1) < html.index(html_lib.escape(shown["messages"][0]["text"]))


def test_a_deficient_level_puts_the_referral_before_the_dose_and_offers_no_products(client):
    result = recommendation_create(
        engine.Answers(age=40, current_d3_iu=0, blood_level=engine.BloodLevel(value=8, unit="ng/mL"))
    )
    ProductFactory(doses={"d3": result.d3_daily_iu / 40})

    html = client.get(result.get_absolute_url()).content.decode()

    assert result.refer_to_clinician and result.d3_daily_iu
    assert html.index(html_lib.escape(result.outcome["referral_reasons"][0])) < html.index("For your information")
    assert f"{result.d3_daily_iu:,} IU" in html
    assert "Add to cart" not in html and "Add the pair to cart" not in html


def test_the_test_date_and_other_vitamin_d_sources_read_in_plain_words(client):
    result = recommendation_create(
        engine.Answers(
            age=50, sex="male", current_d3_iu=1000, other_d3_daily_iu=400,
            current_d3_since=date(2026, 1, 5),
            blood_level=engine.BloodLevel(value=52.4, unit="nmol/L", tested_on=date(2026, 10, 1)),
        )
    )
    shown = present_result(result)

    page = text_of(client.get(result.get_absolute_url()).content.decode())

    assert "tested 1 October 2026" in page
    assert shown["headline"] in page
    assert shown["level"]["text"] in page
    printed = text_of(client.get(reverse("advisor:result_print", args=[result.pk])).content.decode())
    assert "tested 1 October 2026" in printed


def test_the_own_response_sentence_is_on_the_page_the_printed_sheet_the_api_and_the_email(client):
    on = date.today() - timedelta(days=10)
    result = recommendation_create(
        engine.Answers(
            age=45, current_d3_iu=1000, current_d3_since=on - timedelta(days=120),
            blood_level=engine.BloodLevel(value=24, unit="ng/mL", tested_on=on),
            previous_tests=(engine.PreviousTest(on - timedelta(days=120), 12, 0),),
        )
    )
    sentence = present_result(result)["personal_response"]["text"]
    assert sentence.startswith("Your earlier test shows you respond about")

    page = text_of(client.get(result.get_absolute_url()).content.decode())
    assert f"Your own response {sentence}" in page
    assert sentence in text_of(client.get(reverse("advisor:result_print", args=[result.pk])).content.decode())
    api = client.get(reverse("advisor_api:recommendation_detail", args=[result.pk])).json()
    assert api["personal_response"]["text"] == sentence
    client.post(reverse("advisor:result_email", args=[result.pk]), {"email": EMAIL})
    assert sentence in mail.outbox[0].body
    assert html_lib.escape(sentence) in mail.outbox[0].alternatives[0][0]


def test_without_earlier_tests_there_is_no_own_response_line(client, result):
    assert present_result(result)["personal_response"] is None
    assert "Your own response" not in client.get(result.get_absolute_url()).content.decode()


def test_unknown_result_is_404(client):
    response = client.get(reverse("advisor:result", args=[uuid.uuid4()]))

    assert response.status_code == 404


def test_delete_asks_for_confirmation_then_the_result_is_gone(client, result):
    url = reverse("advisor:result_delete", args=[result.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Yes, delete it" in confirm.content.decode()
    assert AdvisorResult.objects.filter(pk=result.pk).exists()

    response = client.post(url)

    assert response.status_code == 302
    assert not AdvisorResult.objects.filter(pk=result.pk).exists()
    assert client.get(result.get_absolute_url()).status_code == 404
    assert client.post(url).status_code == 404


# --- Adding to the cart ------------------------------------------------------------------------


def test_add_the_pair_to_cart_adds_both_and_marks_the_result(client, result, pair):
    d3, k2 = pair

    response = client.post(reverse("advisor:result_add_to_cart", args=[result.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("shop:cart")
    cart = Cart(client.session)
    assert cart.quantity_of(d3.pk) == 1
    assert cart.quantity_of(k2.pk) == 1
    assert len(cart) == 2
    result.refresh_from_db()
    assert result.led_to_cart_at is not None
    cart_page = client.get(reverse("shop:cart"))
    assert d3.name in cart_page.content.decode() and k2.name in cart_page.content.decode()


def test_a_combo_at_the_right_doses_goes_to_the_cart_alone(client, result):
    combo = ProductFactory(
        name="D3 + K2 combo", doses={"d3": result.d3_daily_iu / 40, "k2-mk7": result.k2_daily_mcg}, price="10.00"
    )

    client.post(reverse("advisor:result_add_to_cart", args=[result.pk]))

    cart = Cart(client.session)
    assert cart.quantity_of(combo.pk) == 1
    assert len(cart) == 1


def test_each_alternative_has_its_own_button_that_adds_exactly_its_products(client, result, pair, alternatives):
    shown = present_result(result)
    html = client.get(result.get_absolute_url()).content.decode()
    assert shown["alternatives"]
    forms = re.findall(r'<form method="post" action="([^"]+)" class="add-option-form">(.*?)</form>', html, re.S)
    # One form for the best option, one per alternative, each posting its own products.
    assert len(forms) == 1 + len(shown["alternatives"])
    posted_sets = [sorted(int(v) for v in re.findall(r'name="product" value="(\d+)"', body)) for _, body in forms]
    expected = [sorted(p["product_id"] for p in shown["products"])] + [
        sorted(p["product_id"] for p in option["products"]) for option in shown["alternatives"]
    ]
    assert posted_sets == expected

    for option in shown["alternatives"]:
        session_client = Client()
        ids = [p["product_id"] for p in option["products"]]
        response = session_client.post(reverse("advisor:result_add_to_cart", args=[result.pk]), {"product": ids})
        assert response.status_code == 302 and response["Location"] == reverse("shop:cart")
        cart = Cart(session_client.session)
        assert sorted(line.product.pk for line in cart.lines()) == sorted(ids)
        assert all(cart.quantity_of(pk) == 1 for pk in ids)


def test_products_that_are_not_one_of_the_results_options_are_never_added(client, result, pair, alternatives):
    d3, k2 = pair
    combo, _ = alternatives
    unrelated = ProductFactory(name="Unrelated", doses={"d3": 10})
    url = reverse("advisor:result_add_to_cart", args=[result.pk])

    shown = present_result(result)
    options = [{p["product_id"] for p in shown["products"]}] + [
        {p["product_id"] for p in option["products"]} for option in shown["alternatives"]
    ]
    not_options = [ids for ids in ([unrelated.pk], [d3.pk, combo.pk], [d3.pk], [k2.pk], [k2.pk, unrelated.pk])
                   if set(ids) not in options]
    assert len(not_options) >= 3

    for ids in not_options:
        response = client.post(url, {"product": ids})
        assert response.status_code == 302 and response["Location"] == result.get_absolute_url()
    assert len(Cart(client.session)) == 0
    follow = client.post(url, {"product": [unrelated.pk]}, follow=True)
    assert "not in stock any more" in follow.content.decode()


@pytest.mark.parametrize("posted", [["abc"], ["1", "2", "3"], ["-1"], ["1" * 40]])
def test_bad_product_values_are_a_400_and_add_nothing(client, result, pair, posted):
    response = client.post(reverse("advisor:result_add_to_cart", args=[result.pk]), {"product": posted})

    assert response.status_code == 400
    assert len(Cart(client.session)) == 0


def test_adding_needs_post_and_a_csrf_token(result, pair):
    url = reverse("advisor:result_add_to_cart", args=[result.pk])
    strict = Client(enforce_csrf_checks=True)

    assert strict.get(url).status_code == 405
    assert strict.post(url, {"product": [pair[0].pk, pair[1].pk]}).status_code == 403
    assert len(Cart(strict.session)) == 0


def test_add_to_cart_with_nothing_in_stock_explains_and_adds_nothing(client, result):
    ProductFactory(doses={"d3": result.d3_daily_iu / 40}, stock=0)

    response = client.post(reverse("advisor:result_add_to_cart", args=[result.pk]), follow=True)

    assert "not in stock any more" in response.content.decode()
    assert len(Cart(client.session)) == 0
    result.refresh_from_db()
    assert result.led_to_cart_at is None


# --- Email me this result ----------------------------------------------------------------------


def test_email_me_sends_exactly_one_email_with_text_and_html_and_keeps_no_address(client, result, pair):
    shown = present_result(result)
    answers_before, outcome_before = result.answers, result.outcome

    response = client.post(reverse("advisor:result_email", args=[result.pk]), {"email": EMAIL})

    assert response.status_code == 302 and response["Location"] == f"{result.get_absolute_url()}#top"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [EMAIL]
    assert shown["headline"] in message.body
    assert f"{result.d3_daily_iu:,} IU" in message.body
    assert f"{result.d3_daily_iu:,} IU ({result.d3_daily_iu / 40:g} mcg) D3 per serving, 1 a day" in message.body
    assert result.get_absolute_url() in message.body
    (html_body, mimetype), = message.alternatives
    assert mimetype == "text/html"
    assert html_lib.escape(shown["headline"]) in html_body
    for source in {line["url"] for line in shown["why"] if line["url"]}:
        assert source in message.body and source in html_body
    # Stored nowhere: not on the result, not in the session, not in the message shown afterwards.
    result.refresh_from_db()
    assert (result.answers, result.outcome) == (answers_before, outcome_before)
    assert EMAIL not in json.dumps([result.answers, result.outcome])
    for session in Session.objects.all():
        assert EMAIL not in json.dumps(session.get_decoded())
    page = client.get(result.get_absolute_url()).content.decode()
    assert "on its way" in page and EMAIL not in page


@pytest.mark.parametrize("address", ["", "not-an-address", "a@b", "x" * 250 + "@example.com",
                                     "reader@example.com\nBcc: victim@example.com"])
def test_email_me_with_a_bad_address_shows_a_clear_error_and_sends_nothing(client, result, address):
    response = client.post(reverse("advisor:result_email", args=[result.pk]), {"email": address})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and 'class="error-text" id="email-error"' in html
    assert len(mail.outbox) == 0


def test_email_me_is_throttled_per_client(client, result):
    url = reverse("advisor:result_email", args=[result.pk])
    limit = Rate.parse(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["advisor_email"]).limit
    for _ in range(limit):
        assert client.post(url, {"email": EMAIL}).status_code == 302

    refused = client.post(url, {"email": EMAIL})
    # With no proxy configured, a forged X-Forwarded-For is not a new client.
    assert client.post(url, {"email": EMAIL}, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429

    assert refused.status_code == 429
    assert "several result emails in a short time" in refused.content.decode()
    assert len(mail.outbox) == limit
    # Another client address is counted apart.
    assert client.post(url, {"email": EMAIL}, REMOTE_ADDR="203.0.113.9").status_code == 302


def test_email_me_needs_post_and_a_csrf_token(result):
    url = reverse("advisor:result_email", args=[result.pk])
    strict = Client(enforce_csrf_checks=True)

    assert strict.get(url).status_code == 405
    assert strict.post(url, {"email": EMAIL}).status_code == 403
    assert len(mail.outbox) == 0


def test_email_me_when_sending_fails_says_so_without_a_500(client, result, monkeypatch):
    def refuse(self, fail_silently=False):
        raise SMTPException("mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)

    response = client.post(reverse("advisor:result_email", args=[result.pk]), {"email": EMAIL})

    assert response.status_code == 503
    assert "could not be sent" in response.content.decode()


def test_email_me_for_an_unknown_result_is_404(client):
    response = client.post(reverse("advisor:result_email", args=[uuid.uuid4()]), {"email": EMAIL})

    assert response.status_code == 404
    assert len(mail.outbox) == 0


# --- Printable version -------------------------------------------------------------------------


def test_the_printable_version_has_answers_result_sources_with_full_links_and_the_date(client, result, pair):
    shown = present_result(result)

    response = client.get(reverse("advisor:result_print", args=[result.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    page = text_of(html)
    assert shown["headline"] in page
    assert f"{result.d3_daily_iu:,} IU ({result.d3_daily_iu / 40:g} mcg)" in page
    assert f"Made {result.created_at:%-d %B %Y}" in page
    assert f"{result.d3_daily_iu:,} IU ({result.d3_daily_iu / 40:g} mcg) D3 per serving, 1 a day" in page
    assert "http://testserver" + result.get_absolute_url() in page
    for item in shown.get("answers") or []:
        assert item["question"] in page and item["answer"] in page
    assert shown.get("answers"), "the presenter gives the answers in plain words"
    for line in shown["why"]:
        assert line["text"] in page
        if line["url"]:
            assert line["url"] in page  # written out, so it prints
    # Nothing to press on paper: no form and no button in the sheet.
    sheet = html[html.index('<article class="advisor result-print"'):html.index("</article>")]
    assert "<form" not in sheet and "<button" not in sheet


def test_printing_hides_the_site_navigation_and_buttons(settings):
    css = (settings.BASE_DIR / "advisor/static/advisor/advisor.css").read_text(encoding="utf-8")

    print_rules = css[css.index("@media print"):]
    for selector in (".site-header", ".site-footer", "form", "button", ".btn"):
        assert re.search(rf"(^|\s|,){re.escape(selector)}\s*[,{{]", print_rules, re.M), selector
    assert 'content: " (" attr(href) ")"' in print_rules


def test_a_result_stores_answers_and_nothing_that_names_a_person(result):
    assert "email" not in json.dumps(result.answers)
    assert result.pk.version == 4


# --- Hostile input -----------------------------------------------------------------------------

HOSTILE_TEXT = st.one_of(
    st.sampled_from(["", " ", "\x00", "-1", "0", "1e9", "9" * 40, "１２", "<script>", "a\r\nBcc: x@example.com",
                     "a@b.c\x00", "😀" * 30, "x@" + "y" * 300 + ".com"]),
    st.text(max_size=40),
)


@hypothesis_settings(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(products=st.lists(HOSTILE_TEXT, max_size=4), email=HOSTILE_TEXT)
def test_hostile_posts_to_the_result_page_forms_are_a_4xx_or_a_redirect_never_a_500(result, pair, products, email):
    cache.clear()  # the email throttle counts every valid address; each example starts afresh
    client = Client()
    added = client.post(reverse("advisor:result_add_to_cart", args=[result.pk]), {"product": products})
    emailed = client.post(reverse("advisor:result_email", args=[result.pk]), {"email": email})

    assert added.status_code in (302, 400)
    assert emailed.status_code in (302, 400)
    # Nothing posted means the best option (the pair); otherwise only the pair's own ids add anything.
    in_cart = sorted(line.product.pk for line in Cart(client.session).lines())
    assert in_cart in ([], sorted(p.pk for p in pair))
    if in_cart:
        assert products == [] or sorted(int(v) for v in products) == in_cart
