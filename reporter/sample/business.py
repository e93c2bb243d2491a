"""Business data of the sample: releases with their customers, contract values and the AI tokens
behind them; team survey pulses; and security findings.

Survey pulses run every month of the range, so every quarter (the packet's and the one before it)
has three: trust in AI and self-reported time saved rise after a team's rollout; the busy team's
burnout creeps up and its eNPS falls as its review queue grows.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from .organisation import DEFAULT_TEAMS, EPOCH, Org, People, month_end
from .writer import Table, columns, date_str

CUSTOMERS = (
    "Northwind", "Contoso", "Fabrikam", "Globex", "Initech", "Tailspin Toys",
    "Wide World Importers", "Adventure Works", "Litware", "Proseware",
)
EUR_CUSTOMERS = ("Fabrikam", "Litware")


RELEASES = {
    "payments": (
        ("One-click refunds", "It let support agents refund an order in one step instead of a three-day manual process."),
        ("Multi-currency payouts", "It enabled merchants to receive payouts in their own currency without conversion fees."),
        ("Chargeback dispute portal", "It let merchants answer disputes online, cutting their response time from days to hours."),
        ("Instant settlement reports", "It gave finance teams same-day settlement figures instead of a weekly export."),
        ("Saved cards for returning buyers", "It enabled returning buyers to check out without re-entering card details."),
        ("Checkout v2 payment sheet", "It moved card entry into a single sheet that works on every device."),
        ("Fraud rules simulator", "It let risk analysts test a rule against last month's traffic before switching it on."),
        ("Invoice payment links", "It let customers pay an invoice straight from the email."),
        ("Apple Pay and Google Pay at checkout", "It let mobile buyers pay with one tap, lifting checkout conversion."),
        ("Partial captures", "It let merchants charge split shipments as each parcel leaves the warehouse."),
        ("Payout schedule controls", "It let merchants choose daily, weekly or monthly payouts."),
        ("Automatic card updater", "It kept saved cards working after reissues, cutting failed renewals."),
        ("Ledger reconciliation API", "It let finance teams reconcile payouts against their books automatically."),
    ),
    "platform": (
        ("Firewall migration toolset", "It enabled a one-day cutover of the customer's edge traffic to the new firewall."),
        ("Zero-downtime gateway upgrade", "It let the customer upgrade the gateway without a maintenance window."),
        ("Self-service TLS certificates", "It let customers rotate their own certificates without a support ticket."),
        ("Regional failover", "It kept the customer's API available through a full regional outage."),
        ("EU data residency controls", "It let European customers pin their data to EU regions."),
        ("Rate-limit dashboards", "It showed customers their API headroom before they hit a limit."),
        ("Single sign-on for partners", "It let partner staff sign in with their own identity provider."),
        ("Audit trail for API keys", "It showed customers who created, used and revoked every key."),
        ("Private network peering", "It let the customer reach the API without crossing the public internet."),
        ("Faster cold starts", "It halved the gateway's start-up time during traffic spikes."),
        ("Customer-managed encryption keys", "It let regulated customers hold the keys to their own data."),
        ("Status page integrations", "It pushed incident updates to customers' own status pages."),
        ("Webhook signing", "It let customers verify that every webhook really came from us."),
    ),
    "mobile": (
        ("Offline order history", "It let shoppers browse past orders without a connection."),
        ("Biometric login", "It cut the median sign-in time on mobile to under two seconds."),
        ("Push notification preferences", "It let users choose which alerts they receive, halving opt-outs."),
        ("Tablet layout for the shop app", "It gave tablet users a two-pane layout built for their screens."),
        ("In-app returns", "It let shoppers start a return from the app without calling support."),
        ("Order tracking widget", "It showed shoppers live delivery status on the home screen."),
        ("Wish lists that sync", "It kept shoppers' wish lists in step across phone, tablet and web."),
        ("Accessible font sizes", "It made every screen readable at the largest system font size."),
        ("Faster app start", "It cut the app's launch time by a third on older phones."),
        ("Scan-to-search", "It let shoppers find a product by scanning its barcode."),
        ("Loyalty card in the wallet", "It put the shopper's loyalty card in their phone's wallet."),
        ("Reorder in one tap", "It let shoppers repeat a past order from its receipt."),
        ("Offline cart", "It kept the shopper's cart intact through a lost connection."),
    ),
    "web": (
        ("Accessible checkout", "It brought the checkout to WCAG 2.2 AA for screen-reader users."),
        ("Storefront theme editor", "It let merchants restyle their storefront without a developer."),
        ("Guest checkout", "It let first-time buyers pay without creating an account."),
        ("Faster product search", "It brought search results under 200 ms for large catalogues."),
        ("Localised storefronts", "It let merchants sell in six languages from one storefront."),
        ("Product comparison pages", "It let buyers compare up to four products side by side."),
        ("Storefront performance budget", "It kept every storefront page under a two-second load."),
        ("Subscription checkout", "It let merchants sell subscriptions from the same checkout."),
        ("Gift cards", "It let merchants sell and redeem gift cards online."),
        ("Bulk product editor", "It let merchants change prices and stock for thousands of products at once."),
        ("Customer reviews", "It let buyers leave verified reviews on the products they bought."),
        ("One-page checkout", "It put address, delivery and payment on a single page."),
        ("Saved addresses", "It let returning buyers pick a saved address instead of typing it."),
    ),
    "data": (
        ("R&D dashboard", "It gave the research team a daily view of experiment results without writing SQL."),
        ("Customer usage exports", "It let customers pull their own usage data into their warehouse."),
        ("Revenue forecasting model", "It gave finance a weekly forecast with a confidence band."),
        ("Data retention controls", "It let customers set how long their records are kept."),
        ("Self-serve data exports", "It let customers schedule their own exports without a ticket."),
        ("Churn early-warning report", "It flagged accounts at risk a month before renewal."),
        ("Warehouse connectors", "It streamed customers' data into Snowflake and BigQuery."),
        ("Anomaly alerts on metrics", "It warned customers when a key metric moved outside its usual range."),
        ("Cohort analysis", "It let product teams compare how sign-up cohorts behave over time."),
        ("Data lineage view", "It showed where every reported figure comes from."),
        ("Near-real-time dashboards", "It refreshed customers' dashboards every five minutes instead of nightly."),
        ("PII masking in exports", "It masked personal data in exports for analysts without access to it."),
    ),
    "growth": (
        ("Referral rewards", "It let customers invite peers and earn credit automatically."),
        ("Onboarding checklist", "It guided new accounts to their first sale in a single session."),
        ("Pricing page experiments", "It let marketing test pricing layouts without a deploy."),
        ("Win-back email journeys", "It re-engaged lapsed customers with tailored offers."),
        ("Free trial extensions", "It let sales extend a promising trial without an engineer."),
        ("In-product tours", "It walked new users through their first project."),
        ("Usage-based upgrade prompts", "It suggested the right plan when an account outgrew its own."),
        ("Team invitations", "It let new accounts invite their colleagues during sign-up."),
        ("Landing page builder", "It let marketing launch campaign pages without a deploy."),
        ("Referral leaderboard", "It showed customers how their referrals were doing."),
        ("Annual plan discounts", "It let customers switch to a discounted annual plan in two clicks."),
        ("Lifecycle email preferences", "It let customers choose which product emails they receive."),
    ),
}
GENERIC_RELEASES = (
    ("Audit log export", "It let compliance teams export a year of audit events in one click."),
    ("Bulk user import", "It let administrators onboard a whole department from one spreadsheet."),
    ("Usage-based alerts", "It warned customers before they exceeded their plan."),
    ("Role-based access control", "It let administrators grant least-privilege roles to their staff."),
    ("Scheduled reports", "It delivered recurring reports to customers' inboxes."),
    ("Webhook retries", "It made event delivery survive customer outages of up to a day."),
    ("Admin console redesign", "It cut the clicks for common admin tasks by half."),
    ("R&D dashboard", "It gave product research a live view of feature usage."),
)
SEVERITIES = ("low", "medium", "high", "critical")


def releases_table(org: Org, people: People, used: dict, rng: np.random.Generator) -> pd.DataFrame:
    """One release per team and month (two in ~30% of months), with a customer, a value and the AI
    tokens used; a title comes round again as "(phase 2)" once the team's catalogue is used up."""
    p = org.period
    tokens = np.zeros((len(org.teams), p.weeks))
    np.add.at(tokens, (people.team[used["person"]], used["week"]), used["tokens"])
    rows = []
    for t, team in enumerate(org.teams):  # loops per team and month only
        catalogue = RELEASES.get(team, GENERIC_RELEASES) if t < len(DEFAULT_TEAMS) else GENERIC_RELEASES
        offset = 0 if t < len(DEFAULT_TEAMS) else int(rng.integers(0, len(catalogue)))
        made = 0
        for year, month in p.months():
            lo = max(p.day0, (datetime.date(year, month, 1) - EPOCH).days)
            hi = min(p.day0 + p.days, int(month_end(np.array([lo]))[0]) + 1)
            for _ in range(1 + int(rng.random() < 0.3)):
                day = int(rng.integers(lo, hi))
                k = (offset + made) % len(catalogue)
                phase = (offset + made) // len(catalogue)
                title, summary = catalogue[k]
                rows.append(_release_row(org, t, day, title + (f" (phase {phase + 1})" if phase else ""),
                                         summary, tokens, rng))
                made += 1
    frame = pd.DataFrame(rows, columns=list(columns("releases")) + ["_day"])
    frame = frame.sort_values(["_day", "team", "title"], kind="stable")
    return frame.drop(columns="_day").reset_index(drop=True)


def _release_row(org: Org, team: int, day: int, title: str, summary: str, tokens: np.ndarray,
                 rng: np.random.Generator) -> list:
    week = (day - org.period.day0) // 7
    internal = rng.random() < 0.2
    customer = "" if internal else CUSTOMERS[int(rng.integers(0, len(CUSTOMERS)))]
    value = "" if internal else f"{round(rng.lognormal(np.log(150), 0.8)) * 1000:.2f}"
    currency = "" if internal else ("EUR" if customer in EUR_CUSTOMERS else "USD")
    initiative = org.initiatives[team] if rng.random() < 0.7 else ""
    used = tokens[team, max(0, week - 4): week + 1].sum()
    rolled = org.rollout[team] >= 0 and week >= org.rollout[team]
    ai_tokens = str(int(used * rng.uniform(0.05, 0.2))) if rolled and used > 0 else ""
    return [date_str(np.array([day]))[0], org.teams[team], title, summary, customer, value, currency,
            initiative, ai_tokens, day]


def surveys_table(org: Org, people: People, rng: np.random.Generator) -> pd.DataFrame:
    """A pulse per team on the second Thursday of each month: trust and time saved rise after
    rollout; the busy team's burnout creeps up as its review queue grows."""
    p = org.period
    headcount = np.bincount(people.team[people.end_day < 0], minlength=len(org.teams))
    rows = []
    for year, month in p.months():
        first = datetime.date(year, month, 1)
        day = first + datetime.timedelta(days=(3 - first.weekday()) % 7 + 7)
        d = (day - EPOCH).days
        if not p.day0 <= d < p.day0 + p.days:
            continue
        week = np.full(len(org.teams), (d - p.day0) // 7)
        teams = np.arange(len(org.teams))
        since = np.where(org.rollout >= 0, week - org.rollout, -1)
        settled = np.where(since >= 0, 1 - np.exp(-(since + 1) / 6), 0.0)
        busy = org.busy_ramp(teams, week)
        trust = np.clip(2.7 + 1.1 * settled + rng.normal(0, 0.12, len(teams)), 1, 5)
        burnout = np.clip(2.4 + 0.8 * busy + rng.normal(0, 0.1, len(teams)), 1, 5)
        enps = np.clip(np.round(25 - 18 * busy + rng.normal(0, 6, len(teams))), -100, 100)
        saved = np.maximum(0.4 + 3.5 * settled + rng.normal(0, 0.2, len(teams)), 0)
        responses = np.maximum(1, np.round(headcount * rng.uniform(0.6, 0.95, len(teams))))
        for t in teams:
            rows.append([day.isoformat(), org.teams[t], int(responses[t]), f"{enps[t]:.0f}",
                         f"{trust[t]:.2f}", f"{burnout[t]:.2f}", f"{saved[t]:.1f}"])
    return pd.DataFrame(rows, columns=list(columns("surveys")))


def security_table(org: Org, prs: dict, rng: np.random.Generator) -> Table:
    """Findings per service and week; AI-touched in proportion to the AI share of its merges."""
    p = org.period
    services = len(org.services)
    merged = ~np.isnan(prs["merged"])
    cell = prs["service"][merged] * p.weeks + np.minimum(p.week_of(prs["merged"][merged]), p.weeks - 1)
    total = np.bincount(cell, minlength=services * p.weeks)
    ai = np.bincount(cell, weights=prs["ai"][merged].astype(float), minlength=services * p.weeks)
    share = np.divide(ai, total, out=np.zeros(len(total)), where=total > 0)
    count = rng.poisson(0.3 * (1 + 0.5 * share))
    cell = np.repeat(np.arange(len(count)), count)
    service, week = np.divmod(cell, p.weeks)
    day = p.day0 + 7 * week + rng.integers(0, 7, len(cell))
    order = np.lexsort((service, day))
    severity = rng.choice(4, size=len(cell), p=[0.45, 0.35, 0.16, 0.04])
    return {
        "date": day[order],
        "severity": np.array(SEVERITIES, dtype=object)[severity[order]],
        "service": np.array(org.services, dtype=object)[service[order]],
        "ai_touched": (rng.random(len(cell)) < share[cell])[order],
    }
