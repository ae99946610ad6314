"""The staff dashboard's figures: orders and revenue, stock, stock syncs and advisor quizzes.

Four aggregate queries in all, one per section, cached together for ``CACHE_SECONDS`` so a busy
admin index costs nothing more. The cached figures hold no personal data; each section is shown
only to staff with a read permission on what it counts (``staff_dashboard``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone

from advisor.models import AdvisorResult
from shop.models import Order, Product, oversold_q
from stock_sync.models import StockSyncRun

CACHE_KEY = "dashboard:figures:v1"
CACHE_SECONDS = 60
# A run still queued or running this long after it was queued has lost its worker (a fetch gives
# up after STOCK_SYNC_FETCH_DEADLINE_SECONDS, a whole run takes seconds to minutes).
STUCK_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class Period:
    today_start: datetime
    week_start: datetime   # Monday 00:00, local time

    @classmethod
    def current(cls) -> Period:
        today_start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        return cls(today_start=today_start, week_start=today_start - timedelta(days=today_start.weekday()))


@dataclass(frozen=True)
class OrderFigures:
    orders_today: int
    orders_week: int
    revenue_today: Decimal   # placed, paid and shipped orders; cancelled ones do not count
    revenue_week: Decimal
    currency: str
    today_url: str
    week_url: str


@dataclass(frozen=True)
class StockFigures:
    low: int        # 1 to threshold available
    out: int        # none available (and not oversold)
    oversold: int   # more allocated than on hand
    threshold: int
    low_url: str
    out_url: str
    oversold_url: str


@dataclass(frozen=True)
class SyncFigures:
    failed_week: int
    stuck: int
    stuck_after_minutes: int
    failed_url: str
    stuck_url: str


@dataclass(frozen=True)
class QuizFigures:
    quizzes_today: int
    quizzes_week: int
    led_to_cart_week: int
    week_url: str

    @property
    def cart_share_week(self) -> int | None:
        """Whole per cent of this week's results whose products were added to a cart."""
        if not self.quizzes_week:
            return None
        return round(100 * self.led_to_cart_week / self.quizzes_week)


@dataclass(frozen=True)
class Dashboard:
    """A section is None for staff who may not read what it counts."""

    computed_at: datetime
    period: Period
    orders: OrderFigures | None
    stock: StockFigures | None
    syncs: SyncFigures | None
    quizzes: QuizFigures | None


def _changelist(model, **params: object) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _order_figures(period: Period) -> OrderFigures:
    today = Q(created_at__gte=period.today_start)
    week = Q(created_at__gte=period.week_start)
    counted = ~Q(status=Order.Status.CANCELLED) & Q(currency=settings.SHOP_CURRENCY)
    figures = Order.objects.filter(week).aggregate(
        orders_today=Count("pk", filter=today),
        orders_week=Count("pk"),
        revenue_today=Sum("total", filter=today & counted),
        revenue_week=Sum("total", filter=counted),
    )
    start = period.today_start
    return OrderFigures(
        orders_today=figures["orders_today"],
        orders_week=figures["orders_week"],
        revenue_today=figures["revenue_today"] or Decimal("0.00"),
        revenue_week=figures["revenue_week"] or Decimal("0.00"),
        currency=settings.SHOP_CURRENCY,
        # The order list's own date drill-down for today; a plain lookup for the week.
        today_url=_changelist(
            Order, created_at__year=start.year, created_at__month=start.month, created_at__day=start.day
        ),
        week_url=_changelist(Order, created_at__gte=period.week_start.isoformat()),
    )


def _stock_figures() -> StockFigures:
    """Counted as the product list's "stock" filter counts (shop.admin.StockStateFilter), which the
    links open."""
    threshold = settings.SHOP_LOW_STOCK_THRESHOLD
    figures = Product.objects.alias(available_now=F("stock__on_hand") - F("stock__allocated")).aggregate(
        low=Count("pk", filter=Q(available_now__gt=0, available_now__lte=threshold)),
        out=Count("pk", filter=Q(stock__isnull=True) | Q(stock__on_hand=F("stock__allocated"))),
        oversold=Count("pk", filter=oversold_q()),
    )
    return StockFigures(
        low=figures["low"],
        out=figures["out"],
        oversold=figures["oversold"],
        threshold=threshold,
        low_url=_changelist(Product, stock_state="low"),
        out_url=_changelist(Product, stock_state="out"),
        oversold_url=_changelist(Product, stock_state="oversold"),
    )


def _sync_figures(period: Period, now: datetime) -> SyncFigures:
    stuck_before = now - STUCK_AFTER
    unfinished = [StockSyncRun.Status.QUEUED, StockSyncRun.Status.RUNNING]
    figures = StockSyncRun.objects.aggregate(
        failed_week=Count("pk", filter=Q(status=StockSyncRun.Status.FAILED, created_at__gte=period.week_start)),
        stuck=Count("pk", filter=Q(status__in=unfinished, created_at__lt=stuck_before)),
    )
    return SyncFigures(
        failed_week=figures["failed_week"],
        stuck=figures["stuck"],
        stuck_after_minutes=int(STUCK_AFTER.total_seconds() // 60),
        failed_url=_changelist(
            StockSyncRun, status__exact=StockSyncRun.Status.FAILED, created_at__gte=period.week_start.isoformat()
        ),
        stuck_url=_changelist(StockSyncRun, status__in=",".join(unfinished), created_at__lt=stuck_before.isoformat()),
    )


def _quiz_figures(period: Period) -> QuizFigures:
    figures = AdvisorResult.objects.filter(created_at__gte=period.week_start).aggregate(
        quizzes_today=Count("pk", filter=Q(created_at__gte=period.today_start)),
        quizzes_week=Count("pk"),
        led_to_cart_week=Count("pk", filter=Q(led_to_cart_at__isnull=False)),
    )
    return QuizFigures(**figures, week_url=_changelist(AdvisorResult, created_at__gte=period.week_start.isoformat()))


def dashboard_figures() -> Dashboard:
    """Every section's figures, from the cache when they are under ``CACHE_SECONDS`` old."""
    cached = cache.get(CACHE_KEY)
    if cached is not None:
        return cached
    now = timezone.now()
    period = Period.current()
    figures = Dashboard(
        computed_at=now,
        period=period,
        orders=_order_figures(period),
        stock=_stock_figures(),
        syncs=_sync_figures(period, now),
        quizzes=_quiz_figures(period),
    )
    cache.set(CACHE_KEY, figures, CACHE_SECONDS)
    return figures


def _may_read(user, app_label: str, model_name: str) -> bool:
    return user.has_perm(f"{app_label}.view_{model_name}") or user.has_perm(f"{app_label}.change_{model_name}")


def staff_dashboard(user) -> Dashboard:
    """The dashboard as ``user`` may see it: the sections whose data they may read in the admin."""
    figures = dashboard_figures()
    return replace(
        figures,
        orders=figures.orders if _may_read(user, "shop", "order") else None,
        stock=figures.stock if _may_read(user, "shop", "product") else None,
        syncs=figures.syncs if _may_read(user, "stock_sync", "stocksyncrun") else None,
        quizzes=figures.quizzes if _may_read(user, "advisor", "advisorresult") else None,
    )
