"""Fulfilment as one workflow for every door: prepare, check, commit.

- `prepare(ctx, order_id, source)` reads the source (identifiers typed at a door, or a shipping
  file's bytes and whether it is a parcel of a split shipment), puts it on the order's units and
  returns a frozen `Proposal`: the sheet, the answers, the file's warnings, the units still
  missing, and once nothing is missing the plan and whether it is a retry;
- `check_unit(ctx, proposal, unit, text)` checks one typed identifier (an interactive door asks
  unit by unit); `complete(ctx, proposal, typed)` adds what was typed and plans, applying the
  partial-delivery policy (units left empty need the person's consent; nothing given at all is
  nothing to record);
- `commit(ctx, proposal)` writes exactly the proposal's plan, or refuses naming what changed
  (`fulfilment.fulfil(expected=)`); a retry writes nothing and returns the order as it is. The
  drafts of typed identifiers (`hwctl.app.drafts`) go once their units are written.

The door only asks and shows: which units to ask for, whether to ask for consent, and what to
show come from the proposal."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from hwctl.app import drafts, fulfilment
from hwctl.app.context import Context
from hwctl.app.fulfilment import FulfilResult, Progress, Sheet
from hwctl.domain import fulfilment as rules
from hwctl.domain.fulfilment import Answer, Plan, Slot
from hwctl.errors import InvalidInput
from hwctl.io.shipments import read_shipments

# A progress bar for long work: given what it is doing and how many steps, it yields a
# (done, total) callback or None (a door draws it; `render.progress` is one).
Meter = Callable[[str, int], AbstractContextManager[Progress | None]]


def _no_meter(what: str, total: int) -> AbstractContextManager[Progress | None]:
    return nullcontext(None)


@dataclass(frozen=True)
class Typed:
    """Identifiers typed at a door (unit number -> text; none yet before the first prompt).
    `parcel`: the units left empty stay open without asking (a parcel of a split shipment)."""

    answers: Mapping[int, str] = field(default_factory=dict)
    parcel: bool = False


@dataclass(frozen=True)
class Shipped:
    """A distributor's shipping file: `read` gives its bytes and its name (for messages), and is
    called once the order is known to be one that may be fulfilled (a door reading a file
    lazily refuses a cancelled order before a missing file). `parcel`: a parcel of a split
    shipment, the units it does not cover stay open."""

    read: Callable[[], tuple[bytes, str]]
    parcel: bool = False

    @classmethod
    def of(cls, data: bytes, name: str, *, parcel: bool = False) -> Shipped:
        """A file whose bytes the door holds already (an upload)."""
        return cls(lambda: (data, name), parcel)


@dataclass(frozen=True)
class Known:
    """A unit that already has its identifier before anything is asked: its device's (`origin`
    None), or one the file gave (`origin` names the file's row)."""

    label: str
    shown: str
    origin: str | None


@dataclass(frozen=True)
class Proposal:
    """What a fulfilment would do, for the door to show and the person to confirm.

    `missing` are the units to ask for (none once `complete` ran); `left_open` the units left
    empty at the door; `plan` is None until nothing is missing (and while consent to leave units
    open is awaited). `retry`: nothing to write (the order is fulfilled, or a parcel is given
    again); `commit` then returns the order as it is."""

    order_id: int
    sheet: Sheet
    answers: Mapping[int, Answer]
    warnings: tuple[str, ...] = ()
    missing: tuple[Slot, ...] = ()
    from_file: bool = False
    partial: bool = False
    typed: Mapping[int, str] = field(default_factory=lambda: MappingProxyType({}))
    left_open: tuple[Slot, ...] = ()
    plan: Plan | None = None
    retry: bool = False

    @property
    def nothing_given(self) -> bool:
        """Every unit asked for was left empty and nothing else was given: nothing to record."""
        return bool(self.left_open) and not self.answers

    @property
    def needs_consent(self) -> bool:
        """Units were left empty: the person must agree to a partial delivery first."""
        return self.plan is None and bool(self.left_open) and bool(self.answers)

    @property
    def known(self) -> tuple[Known, ...]:
        """The units that have an identifier already, as a door lists them before asking."""
        out = []
        for slot in self.sheet.slots:
            if slot.device_id is not None:
                out.append(Known(slot.label, rules.display_key(slot.device_key, slot.wants), None))
            elif slot.number in self.answers:
                answer = self.answers[slot.number]
                out.append(Known(slot.label, _shown(slot, answer), answer.origin))
        return tuple(out)


def _shown(slot: Slot, answer: Answer) -> str:
    """A given identifier as everything else shows it (`80:5e:c0:12:34:57`); as given when it
    does not parse (the plan refuses it with the reason)."""
    try:
        return rules.parse_answer(slot, answer).display
    except InvalidInput:
        return answer.text


UNITS_NAMED = 10  # a big order's missing units: the first few, then a count


def units_named(slots: Sequence[Slot]) -> str:
    """`unit 2 (T54W), unit 4 (W73H)`: at most UNITS_NAMED labels, then "and N more"."""
    named = ", ".join(s.label for s in slots[:UNITS_NAMED])
    rest = len(slots) - UNITS_NAMED
    return f"{named} and {rest} more" if rest > 0 else named


def prepare(
    ctx: Context,
    order_id: int,
    source: Typed | Shipped,
    *,
    asking: bool = False,
    meter: Meter = _no_meter,
) -> Proposal:
    """The proposal for fulfilling the order from `source`. Refuses unless the order is approved
    (or fulfilled: a retry). `asking`: the door can ask for the units the source leaves without
    an identifier; a file that leaves some when it cannot, and is no parcel, is refused (the
    `open` field counts them). What a file gives is checked before anything is asked."""
    sheet = fulfilment.load_sheet(ctx, order_id)  # the state first, whatever else is wrong
    answers: dict[int, Answer] = {}
    warnings: tuple[str, ...] = ()
    typed = dict(source.answers) if isinstance(source, Typed) else {}
    if isinstance(source, Shipped):
        data, name = source.read()
        placed = fulfilment.place(sheet, read_shipments(data, name), name)
        answers, warnings = dict(placed.answers), tuple(placed.warnings)
    elif sheet.is_fulfilled:
        # Fulfilled, and nothing from a file to compare: a retry, the order as it is.
        return Proposal(order_id, sheet, MappingProxyType({}), retry=True)
    answers.update((n, Answer(t)) for n, t in typed.items())
    missing = rules.missing(sheet.slots, answers)
    if isinstance(source, Shipped) and source.parcel:
        missing = []  # a parcel: the units the file does not cover stay open
    if missing and answers:
        # What is given is checked first: a wrong check character, a duplicate or another
        # account's identifier is the error to fix, not the units still missing.
        with meter("Validating identifiers", len(answers)) as on_progress:
            fulfilment.check_answers(ctx, order_id, answers, progress=on_progress)
    if missing and isinstance(source, Shipped) and not asking:
        raise InvalidInput(
            f"the CSV leaves {len(missing)} unit(s) without an identifier: {units_named(missing)}",
            order=order_id,
            open=len(missing),
        )
    proposal = Proposal(
        order_id,
        sheet,
        MappingProxyType(answers),
        warnings,
        tuple(missing),
        from_file=isinstance(source, Shipped),
        partial=source.parcel,
        typed=MappingProxyType(typed),
    )
    return proposal if missing else _planned(ctx, proposal, meter)


def check_unit(
    ctx: Context,
    proposal: Proposal,
    unit: int,
    text: str,
    *,
    typed: Mapping[int, str] | None = None,
) -> fulfilment.Checked:
    """Check one identifier typed for `unit`: parsed for its kind, not in conflict with the
    store, not given for another unit (by the source or in `typed`, what was typed so far).
    Returns its display form and the doubts to show under it; raises InvalidInput/Conflict."""
    slot = next(s for s in proposal.sheet.slots if s.number == unit)
    checked = fulfilment.check_typed(ctx, proposal.order_id, unit, text)
    given = {n: a.text for n, a in proposal.answers.items()}
    for n, other in {**given, **(typed or {})}.items():
        if n != unit and fulfilment.same_identifier(other, text, slot.wants):
            raise InvalidInput(f"already given for unit {n}", unit=unit, given_for=n)
    return checked


def draft(ctx: Context, proposal: Proposal) -> dict[int, str]:
    """What the principal typed before for the proposal's missing units (its draft), to offer
    for resuming; {} when there is none."""
    missing = {s.number for s in proposal.missing}
    return {n: t for n, t in drafts.load(ctx, proposal.order_id).items() if n in missing}


def drop_draft(ctx: Context, proposal: Proposal) -> dict[int, str]:
    """The draft is not wanted (declined when offered): it goes. Returns the answers left: {}."""
    drafts.drop(ctx, proposal.order_id)
    return {}


def keep_draft(ctx: Context, proposal: Proposal, typed: Mapping[int, str]) -> None:
    """Keep what was typed so far for the order, so an interruption loses nothing."""
    drafts.keep(ctx, proposal.order_id, typed)


def draft_where(ctx: Context, proposal: Proposal) -> str:
    """Where the principal's draft of the order is kept (a door names it)."""
    return str(drafts.where(ctx, proposal.order_id))


def complete(
    ctx: Context,
    proposal: Proposal,
    typed: Mapping[int, str],
    *,
    leave_open: bool = False,
    meter: Meter = _no_meter,
) -> Proposal:
    """The proposal with the identifiers typed for its missing units, planned. Units left empty
    are a partial delivery: with no consent yet (`leave_open`, or a parcel), the proposal comes
    back unplanned, `needs_consent`; when nothing at all is given, `nothing_given`."""
    typed = {n: t.strip() for n, t in typed.items() if t.strip()}
    answers = {**proposal.answers, **{n: Answer(t) for n, t in typed.items()}}
    left = tuple(s for s in proposal.missing if s.number not in typed)
    done = replace(
        proposal,
        answers=MappingProxyType(answers),
        typed=MappingProxyType({**proposal.typed, **typed}),
        missing=(),
        left_open=left,
    )
    if left and (not answers or not (proposal.partial or leave_open)):
        return done
    return _planned(ctx, replace(done, partial=proposal.partial or bool(left)), meter)


def _planned(ctx: Context, proposal: Proposal, meter: Meter) -> Proposal:
    with meter("Validating identifiers", len(proposal.answers)) as on_progress:
        plan = fulfilment.plan(
            ctx,
            proposal.order_id,
            proposal.answers,
            progress=on_progress,
            partial=proposal.partial,
        )
    retry = fulfilment.is_retry(proposal.sheet, plan, partial=proposal.partial)
    return replace(proposal, plan=plan, retry=retry)


def commit(ctx: Context, proposal: Proposal, *, meter: Meter = _no_meter) -> FulfilResult:
    """Write exactly the proposal's plan in one transaction, or refuse (Conflict, naming what
    changed) when the order's plan is no longer that one; a retry writes nothing and returns the
    order's units and devices as they are. Drafts go with what is written: all of them once the
    order is fulfilled (whoever typed them); after a parcel typed here, the units it wrote. A
    refused commit keeps the draft."""
    if proposal.plan is None and not proposal.retry:
        raise InvalidInput(
            f"order {proposal.order_id}: nothing to write yet, "
            f"{len(proposal.missing) + len(proposal.left_open)} unit(s) without an identifier",
            order=proposal.order_id,
        )
    order_id = proposal.order_id
    if proposal.retry:
        if proposal.sheet.is_fulfilled:
            drafts.drop_all(ctx, order_id)
        return fulfilment.retry_result(ctx, order_id, proposal.plan)
    plan = proposal.plan
    with meter("Writing devices", len(plan.units) if plan else 0) as on_progress:
        done = fulfilment.fulfil(
            ctx,
            order_id,
            proposal.answers,
            expected=plan,
            progress=on_progress,
            partial=proposal.partial,
        )
    _drafts_after(ctx, proposal, done)
    return done


def _drafts_after(ctx: Context, proposal: Proposal, done: FulfilResult) -> None:
    """A parcel from a file leaves the draft alone: it may be another terminal's answers, still
    being typed."""
    if done.is_fulfilled:
        drafts.drop_all(ctx, proposal.order_id)
        return
    if not proposal.typed:
        return
    delivered = {u.unit for u in done.units if u.device is not None}
    kept = drafts.load(ctx, proposal.order_id)
    drafts.keep(ctx, proposal.order_id, {n: t for n, t in kept.items() if n not in delivered})


__all__ = [
    "Known",
    "Meter",
    "Proposal",
    "Shipped",
    "Typed",
    "check_unit",
    "commit",
    "complete",
    "draft",
    "draft_where",
    "drop_draft",
    "keep_draft",
    "prepare",
    "units_named",
]
