"""The dashboard's arithmetic on plain rows: per currency, in the organization's own months."""
from datetime import date, datetime

from light.home import dashboard
from light.home.dashboard import Month, OpenInvoiceRow, Received


def test_receivables_are_kept_apart_per_currency_and_never_added_together():
    rows = [OpenInvoiceRow("issued", "USD", False, 2, 30000, 0),
            OpenInvoiceRow("partially_paid", "USD", False, 1, 10000, 2500),
            OpenInvoiceRow("issued", "EUR", False, 1, 5000, 0),
            OpenInvoiceRow("issued", "JPY", True, 1, 12000, 0)]
    found = {r.currency: r for r in dashboard.receivables(rows)}
    assert [r.currency for r in dashboard.receivables(rows)] == ["EUR", "JPY", "USD"]
    assert found["USD"].outstanding == 37500 and found["USD"].open_count == 3
    assert found["EUR"].outstanding == 5000 and found["JPY"].outstanding == 12000


def test_overdue_counts_invoices_past_due_whether_or_not_the_clock_has_marked_them():
    rows = [OpenInvoiceRow("overdue", "USD", True, 1, 1000, 0),
            OpenInvoiceRow("issued", "USD", True, 2, 4000, 1000),  # due yesterday, not yet marked
            OpenInvoiceRow("issued", "USD", False, 5, 9000, 0),
            OpenInvoiceRow("overdue", "KWD", False, 1, 1234, 0)]  # marked Overdue by an older "today"
    found = {r.currency: r for r in dashboard.receivables(rows)}
    assert (found["USD"].overdue, found["USD"].overdue_count) == (4000, 3)
    assert (found["KWD"].overdue, found["KWD"].overdue_count) == (1234, 1)


def test_an_overpaid_group_owes_nothing_rather_than_a_negative_amount():
    found = dashboard.receivables([OpenInvoiceRow("issued", "USD", False, 1, 1000, 1500)])
    assert found[0].outstanding == 0


def test_status_counts_add_up_the_groups_of_one_status():
    rows = [OpenInvoiceRow("payment_failed", "USD", False, 2, 0, 0),
            OpenInvoiceRow("payment_failed", "EUR", True, 1, 0, 0),
            OpenInvoiceRow("action_required", "USD", False, 4, 0, 0)]
    assert dashboard.status_counts(rows) == {"payment_failed": 3, "action_required": 4}


def test_months_begin_at_local_midnight_written_in_utc():
    months = dashboard.month_starts(date(2026, 3, 15), "Europe/Berlin", months=4)
    assert [m.first_day for m in months] == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    # Berlin is UTC+1 in winter: its 1 March begins at 23:00 UTC on 28 February.
    assert months[-1].starts_at == datetime(2026, 2, 28, 23, 0)
    assert dashboard.month_starts(date(2026, 8, 2), "America/New_York", 1)[0].starts_at == datetime(2026, 8, 1, 4, 0)
    assert dashboard.month_starts(date(2026, 1, 9), "UTC", 1)[0].starts_at == datetime(2026, 1, 1)
    assert dashboard.next_month_starts_at(date(2026, 12, 9), "Europe/Berlin") == datetime(2026, 12, 31, 23, 0)


def test_today_is_the_organizations_today():
    late_evening_utc = datetime(2026, 3, 31, 23, 30)
    assert dashboard.local_today(late_evening_utc, "UTC") == date(2026, 3, 31)
    assert dashboard.local_today(late_evening_utc, "Asia/Tokyo") == date(2026, 4, 1)
    assert dashboard.local_today(late_evening_utc, "Not/AZone") == date(2026, 3, 31)


def test_received_lines_each_currency_up_with_the_months_and_leaves_out_empty_ones():
    months = dashboard.month_starts(date(2026, 3, 15), "UTC", months=3)
    rows = [("USD", 2, 5000), ("USD", 0, 100), ("EUR", 2, 700), ("USD", 2, 20), ("GBP", 1, 0), ("USD", -1, 999)]
    found = dashboard.received(rows, months)
    assert [(r.currency, r.by_month) for r in found] == [("EUR", [0, 0, 700]), ("USD", [100, 0, 5020])]
    assert found[1].this_month == 5020


def test_bars_scale_to_the_largest_month_and_a_negative_month_draws_no_bar():
    months = [Month(date(2026, m, 1), datetime(2026, m, 1)) for m in (1, 2, 3, 4)]
    chart = dashboard.bar_chart(Received("USD", [0, 5000, 10000, -300]), months, width=400, height=118,
                                label_room=18)
    assert chart.baseline == 100 and chart.high == 10000
    heights = [bar.height for bar in chart.bars]
    assert heights == [0.0, 48.0, 96.0, 0.0]
    assert chart.bars[2].y == 4.0 and [bar.label for bar in chart.bars] == ["Jan", "Feb", "Mar", "Apr"]
    assert chart.bars[1].x > chart.bars[0].x + chart.bars[0].width  # bars don't overlap
    assert dashboard.bar_chart(Received("USD", [0, 0, 0, 0]), months).bars[0].height == 0


def test_the_dashboard_arithmetic_imports_neither_flask_nor_the_database():
    import ast
    import pathlib

    tree = ast.parse(pathlib.Path(dashboard.__file__).read_text())
    roots = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    roots |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not roots & {"flask", "flask_sqlalchemy", "sqlalchemy", "flask_login", "light"}
