"""One person's plan over the whole horizon, by dynamic programming over days: a fast first plan.

CP-SAT needs 1-28 s to find *any* plan for one person over a year whose minutes must land in a
narrow window (Curtois instances 22-24); this module finds one in a fraction of a second.

Each day the person is off or works one *option*: a (type, start, end, minutes) signature,
standing for the cheapest of that day's eligible shifts with it.  A shortest path over the days
keeps the rules that link neighbouring days exactly — maximum and minimum runs of working days,
minimum runs of days off (with history and the edge exemptions of ``solver.validate``), forbidden
successions, rest between consecutive days, fixed days off, leave, pins — and prices each day by
what the person's shift is worth against the residual needs and their requests.  The rules
that count over the horizon (minutes, shifts, shifts per type, weekends) enter the prices as
Lagrange multipliers: a reward per hour worked, found by bisection so that the minutes land in
their window, and penalties per shift of an over-used type and per weekend, raised until the
counts hold; one-day repairs finish the job where the multipliers jump over a window.  A plan is
returned only if ``solver.validate`` finds no broken hard rule, so rules the path does not model
(weekly limits, runs of one type, ...) are checked, never assumed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from solver.instance import MINUTES_PER_DAY, SATURDAY, SUNDAY, Person, Problem, Request, Shift
from solver.rules.coverage import matches
from solver.rules.eligibility import exclusion
from solver.validate import validate

Pair = tuple[str, str]
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Signature = tuple[str, int, int, int]  # type, start and end in minutes from its day's start, minutes
OFF = -1
ROUNDS = 16  # multiplier updates for the per-type and weekend counts
BISECTIONS = 24  # bisection steps on the reward per hour
NOISE = 0.3  # largest noise added to a day's price, as a share of the median price
ATTEMPTS = 3  # noise draws before giving up
FIRST_PENALTY = 0.05  # first per-type or weekend penalty, as a share of a shift's price
REPAIRS = 20  # one-day changes to move the minutes into their window


@dataclass(frozen=True)
class Options:
    """What the person may do each day, and what each choice is worth against the residual needs."""

    signatures: tuple[Signature, ...]  # sorted by class
    shift_at: tuple[tuple[Shift | None, ...], ...]  # [day][signature]: the cheapest eligible shift
    base: Floats  # (days, signatures) price of working that option; inf = not possible
    off_allowed: npt.NDArray[np.bool_]  # (days,) False where a pin makes the person work
    minutes: Floats  # (signatures,)
    type_index: Ints  # (signatures,) index into ``types``
    types: tuple[str, ...]
    class_starts: Ints  # first signature of each class (signatures are sorted by class)
    compatible: npt.NDArray[np.bool_]  # (classes, signatures): may follow a class on the next day


@dataclass(frozen=True)
class Runs:
    """The run rules as the automaton needs them (lengths in days, 1 = no rule)."""

    max_work: int | None
    min_work: int
    min_off: int
    worked_before: int
    off_before: int


def plan_person(sub: Problem, seed: int = 0) -> frozenset[Pair] | None:
    """A plan of the residual problem's one person that keeps every hard rule, or None if none found.

    None is also the answer when a plan exists that this method cannot find (the caller then
    asks CP-SAT); a plan that is returned has been checked by ``solver.validate``.
    """
    if len(sub.people) != 1:
        return None
    person = sub.people[0]
    if person.limits.max_shifts_per_day < 1:
        return frozenset() if validate(sub, ()).feasible else None
    for attempt in range(ATTEMPTS):  # the noise decides which of equally priced days are worked
        options = _options(sub, person, np.random.default_rng([seed, attempt]))
        if options is None:
            return None
        path = _search(sub, person, options)
        if path is None:
            continue
        pairs = frozenset(
            (person.id, shift.id)
            for day, sig in enumerate(path)
            if sig != OFF and (shift := options.shift_at[day][sig]) is not None
        )
        if validate(sub, pairs).feasible:
            return pairs
    return None


# --------------------------------------------------------------------------- options and prices


def _options(sub: Problem, person: Person, rng: np.random.Generator) -> Options | None:
    """The person's options per day with their prices; None if a pin asks for two shifts a day."""
    pinned = {pin.shift: pin.assigned for pin in sub.pins if pin.person == person.id}
    banned = {t for t, n in person.limits.max_shifts_per_type.items() if n <= 0}
    best: dict[tuple[int, Signature], tuple[float, Shift]] = {}
    forced: dict[int, Signature] = {}
    requests: dict[int, list[Request]] = {}
    for request in sub.requests:
        if request.person == person.id and request.weight > 0:
            requests.setdefault(request.day, []).append(request)
    for shift in sub.shifts:
        if pinned.get(shift.id) is False or not 0 <= shift.day < sub.days:
            continue
        if pinned.get(shift.id) is not True and (shift.type in banned or exclusion(person, shift)):
            continue
        if shift.day == 0 and _after_history(sub, person, shift):
            continue
        sig = _signature(shift)
        price = _price(sub, person, shift, requests.get(shift.day, ()))
        if pinned.get(shift.id) is True:
            if forced.get(shift.day, sig) != sig:
                return None
            forced[shift.day] = sig
            price = -math.inf  # kept whatever else the day offers
        if (shift.day, sig) not in best or price < best[shift.day, sig][0]:
            best[shift.day, sig] = (price, shift)
    return _index(sub, person, best, forced, rng)


def _after_history(sub: Problem, person: Person, shift: Shift) -> bool:
    """True if the shift on day 0 may not follow what the person worked on day -1."""
    history = person.history
    if history is None:
        return False
    types = sub.shift_types_by_id
    last = history.last_shift_type
    if last is not None and last in types and shift.type in types[last].forbidden_next:
        return True
    rest, end = person.limits.min_rest_minutes, history.last_shift_end
    return rest is not None and end is not None and shift.start - end < rest


def _signature(shift: Shift) -> Signature:
    """What the day-to-day rules and the counts see of a shift."""
    day_start = shift.day * MINUTES_PER_DAY
    return (shift.type, shift.start - day_start, shift.end - day_start, shift.duration)


def _price(sub: Problem, person: Person, shift: Shift, requests: Sequence[Request]) -> float:
    """What putting the person on the shift changes in the residual objective (``requests``: the day's)."""
    price = 0.0
    for need in shift.needs:
        if matches(sub, person, shift, need):
            price += -need.under_weight if need.count > 0 else need.over_weight
    for request in requests:
        if request.shift_type in (None, shift.type):
            price += -request.weight if request.on else request.weight
    previous = sub.previous
    if previous is not None and shift.id in previous.shifts:
        weight = sub.weights.stability_per_change
        price += -weight if (person.id, shift.id) in previous.assignments else weight
    return price


def _index(
    sub: Problem,
    person: Person,
    best: dict[tuple[int, Signature], tuple[float, Shift]],
    forced: dict[int, Signature],
    rng: np.random.Generator,
) -> Options:
    """Arrange the cheapest shift per (day, signature) into arrays, signatures grouped by class."""
    timed = _timing_matters(person, [sig for _, sig in best])
    key = {sig: _class_key(sub, sig, timed) for _, sig in best}
    signatures = tuple(sorted(set(key), key=lambda s: (key[s], s)))
    classes = sorted(set(key.values()))
    column = {sig: i for i, sig in enumerate(signatures)}
    base = np.full((sub.days, len(signatures)), np.inf)
    shift_at: list[list[Shift | None]] = [[None] * len(signatures) for _ in range(sub.days)]
    for (day, sig), (price, shift) in best.items():
        if day in forced and sig != forced[day]:
            continue
        base[day, column[sig]] = price
        shift_at[day][column[sig]] = shift
    finite = np.isfinite(base)
    scale = float(np.median(np.abs(base[finite]))) + 1.0 if finite.any() else 1.0
    # Days of equal price make the path jump from all of them worked to none as the reward per
    # hour moves; a little noise orders them, so that the minutes move a few shifts at a time.
    base[finite] += rng.uniform(0.0, NOISE * scale, size=int(finite.sum()))
    base[np.isneginf(base)] = -1e6  # a pinned shift: far cheaper than anything else that day
    types = tuple(sorted({sig[0] for sig in signatures}))
    rest = person.limits.min_rest_minutes or 0
    compatible = np.array(
        [[_may_follow(c, sig, rest, timed) for sig in signatures] for c in classes], dtype=bool
    ).reshape(len(classes), len(signatures))
    off_allowed = np.ones(sub.days, dtype=bool)
    off_allowed[list(forced)] = False
    return Options(
        signatures=signatures,
        shift_at=tuple(tuple(row) for row in shift_at),
        base=base,
        off_allowed=off_allowed,
        minutes=np.array([sig[3] for sig in signatures], dtype=float),
        type_index=np.array([types.index(sig[0]) for sig in signatures], dtype=np.int64),
        types=types,
        class_starts=np.array(
            [next(i for i, s in enumerate(signatures) if key[s] == c) for c in classes], dtype=np.int64
        ),
        compatible=compatible,
    )


ClassKey = tuple[tuple[str, ...], int]


def _timing_matters(person: Person, signatures: Sequence[Signature]) -> bool:
    """True if a shift's end can clash with the next day's start (rest, or a shift past midnight)."""
    if person.limits.min_rest_minutes is not None or not signatures:
        return True
    return max(s[2] for s in signatures) > MINUTES_PER_DAY + min(s[1] for s in signatures)


def _class_key(sub: Problem, sig: Signature, timed: bool) -> ClassKey:
    """Options with the same key allow the same options on the next day."""
    kind = sub.shift_types_by_id.get(sig[0])
    forbidden = tuple(sorted(kind.forbidden_next)) if kind is not None else ()
    return forbidden, sig[2] if timed else 0


def _may_follow(key: ClassKey, sig: Signature, rest: int, timed: bool) -> bool:
    """True if an option of this class on one day allows ``sig`` on the next."""
    forbidden, end = key
    if sig[0] in forbidden:
        return False
    return not timed or MINUTES_PER_DAY + sig[1] - end >= rest


# --------------------------------------------------------------------------- the day automaton


@dataclass(frozen=True)
class Automaton:
    """States (working l days in a run of class c, or off k days; e = the run began on day 0 unchecked)
    and the transitions of one day, as arrays for a vectorised shortest path.

    A transition's price is column ``value`` of the day's price row: ``c * C + c'`` works an option of
    class c' after one of class c, ``C * C + c'`` works one after a day off, ``C * C + C`` is a day off.
    """

    classes: int
    states: int
    src: Ints  # (transitions,)
    dst: Ints
    value: Ints
    incoming: Ints  # (states, most incoming): transition indexes, padded with len(src)
    start_value: Ints  # (states,) price column of reaching the state on day 0; -1 = unreachable
    work_class: Ints  # (states,) class of the day's option, -1 for days off


@dataclass(frozen=True)
class _Layout:
    """State numbering: working (length, exempt, class) first, then days off (length, exempt)."""

    classes: int
    longest: int  # working lengths 1..longest (the last one absorbs longer runs when there is no maximum)
    off_lengths: int  # days-off lengths 1..off_lengths (the last one absorbs longer runs)

    @property
    def states(self) -> int:
        """How many states there are."""
        return self.longest * 2 * self.classes + 2 * self.off_lengths

    def work(self, length: int, exempt: int, c: int) -> int:
        """The state of working the length-th day of a run, today's option of class c."""
        return ((length - 1) * 2 + exempt) * self.classes + c

    def off(self, length: int, exempt: int) -> int:
        """The state of the length-th day off in a row."""
        return self.longest * 2 * self.classes + (length - 1) * 2 + exempt


def _automaton(runs: Runs, classes: int) -> Automaton:
    """The run rules as a layered graph over (length, exempt, class) states."""
    c_n = classes
    lay = _Layout(c_n, runs.max_work or max(runs.min_work, 1), max(runs.min_off, 1))
    off_value = c_n * c_n + c_n
    edges: list[tuple[int, int, int]] = []
    for length in range(1, lay.longest + 1):
        for exempt in (0, 1):
            after = length + 1 if length < lay.longest else (lay.longest if runs.max_work is None else 0)
            for c in range(c_n):
                if after:
                    edges += [
                        (lay.work(length, exempt, c), lay.work(after, exempt, c2), c * c_n + c2)
                        for c2 in range(c_n)
                    ]
                if exempt or length >= runs.min_work:
                    edges.append((lay.work(length, exempt, c), lay.off(1, 0), off_value))
    for length in range(1, lay.off_lengths + 1):
        for exempt in (0, 1):
            edges.append(
                (lay.off(length, exempt), lay.off(min(length + 1, lay.off_lengths), exempt), off_value)
            )
            if exempt or length >= runs.min_off:
                edges += [(lay.off(length, exempt), lay.work(1, 0, c2), c_n * c_n + c2) for c2 in range(c_n)]
    src, dst, value = (np.array(column, dtype=np.int64) for column in zip(*edges, strict=True))
    inbound: list[list[int]] = [[] for _ in range(lay.states)]
    for i, target in enumerate(dst):
        inbound[int(target)].append(i)
    width = max(len(x) for x in inbound)
    incoming = np.array([x + [len(src)] * (width - len(x)) for x in inbound], dtype=np.int64)
    working = lay.longest * 2 * c_n
    work_class = np.array([s % c_n if s < working else -1 for s in range(lay.states)], dtype=np.int64)
    return Automaton(c_n, lay.states, src, dst, value, incoming, _start(runs, lay), work_class)


def _start(runs: Runs, lay: _Layout) -> Ints:
    """The price column of reaching each state on day 0 (-1 = unreachable), given the history."""
    c_n = lay.classes
    start = np.full(lay.states, -1, dtype=np.int64)
    work: tuple[int, int] | None
    if runs.worked_before > 0:  # the run goes on: its days before day 0 count
        length = runs.worked_before + 1
        length = min(length, lay.longest) if runs.max_work is None else length
        work, off = ((length, 0) if length <= lay.longest else None), (1, 0)
    elif runs.off_before > 0:
        work, off = (1, 0), (min(runs.off_before + 1, lay.off_lengths), 0)
    else:  # unknown history: runs touching day 0 are exempt from the minimum-run rules
        work, off = (1, 1), (1, 1)
    if work is not None:
        for c in range(c_n):
            start[lay.work(*work, c)] = c_n * c_n + c
    start[lay.off(*off)] = c_n * c_n + c_n
    return start


# --------------------------------------------------------------------------- shortest path


def _prices(options: Options, cost: Floats, classes: int) -> Floats:
    """(days, C*C + C + 2) price columns: class after class, class after a day off, day off, none."""
    masked = np.where(options.compatible[None, :, :], cost[:, None, :], np.inf)
    after_work = np.minimum.reduceat(masked, options.class_starts, axis=2).reshape(len(cost), -1)
    after_off = np.minimum.reduceat(cost, options.class_starts, axis=1)
    off = np.where(options.off_allowed, 0.0, np.inf)[:, None]
    return np.hstack([after_work, after_off, off, np.full((len(cost), 1), np.inf)])


def _shortest(options: Options, auto: Automaton, cost: Floats, sunday_extra: Floats) -> list[int] | None:
    """The cheapest option (or OFF) per day keeping the run and succession rules; None if none does."""
    c_n = auto.classes
    prices = _prices(options, cost, c_n)
    prices[:, c_n * c_n : c_n * c_n + c_n] += sunday_extra[
        :, None
    ]  # a Sunday after a day off opens a weekend
    days = len(cost)
    f = np.where(auto.start_value >= 0, prices[0, auto.start_value], np.inf)
    back = np.empty((days, auto.states), dtype=np.int64)
    rows = np.arange(auto.states)
    for day in range(1, days):
        through = np.append(f[auto.src] + prices[day, auto.value], np.inf)
        candidates = through[auto.incoming]
        best = candidates.argmin(axis=1)
        back[day] = auto.incoming[rows, best]
        f = candidates[rows, best]
    state = int(f.argmin())
    if not math.isfinite(f[state]):
        return None
    path = [OFF] * days
    for day in range(days - 1, -1, -1):
        c2 = int(auto.work_class[state])
        if day == 0:
            prev = -1
        else:
            edge = int(back[day, state])
            prev_state = int(auto.src[edge])
            prev = int(auto.work_class[prev_state])
            state = prev_state
        if c2 >= 0:
            path[day] = _cheapest(options, cost[day], prev, c2)
    return path


def _cheapest(options: Options, cost: Floats, prev_class: int, c: int) -> int:
    """The cheapest option of class c on a day, after an option of ``prev_class`` (-1: after a day off)."""
    first = int(options.class_starts[c])
    last = int(options.class_starts[c + 1]) if c + 1 < len(options.class_starts) else len(cost)
    row = cost[first:last]
    if prev_class >= 0:
        row = np.where(options.compatible[prev_class, first:last], row, np.inf)
    return first + int(row.argmin())


# --------------------------------------------------------------------------- counts and multipliers


@dataclass(frozen=True)
class Counts:
    """What the horizon-wide rules count in a path."""

    minutes: int
    shifts: int
    per_type: Ints
    weekends: int


@dataclass
class Pricing:
    """The fixed parts of a day's price and the multipliers of the counted rules."""

    options: Options
    saturday: Floats  # (days,) 1.0 on Saturdays
    sunday: Floats
    per_type: Floats  # penalty per shift of each type
    weekend: float = 0.0  # penalty per weekend worked
    reward: float = 0.0  # per hour worked, the last one that landed the minutes in their window

    def cost(self, reward: float) -> Floats:
        """(days, signatures) prices with ``reward`` per hour worked."""
        o = self.options
        per_option = self.per_type[o.type_index] - reward * o.minutes / 60.0
        return o.base + per_option[None, :] + self.weekend * self.saturday[:, None]


def _count(sub: Problem, options: Options, path: Sequence[int]) -> Counts:
    """Minutes, shifts, shifts per type and weekends of a path."""
    worked = [(day, sig) for day, sig in enumerate(path) if sig != OFF]
    per_type = np.zeros(len(options.types), dtype=np.int64)
    for _, sig in worked:
        per_type[options.type_index[sig]] += 1
    weekends = {sub.week(day) for day, _ in worked if sub.is_weekend(day)}
    minutes = sum(options.signatures[sig][3] for _, sig in worked)
    return Counts(minutes, len(worked), per_type, len(weekends))


def runs_of(person: Person) -> Runs:
    """The person's run rules and the runs their history carries into day 0."""
    limits, history = person.limits, person.history
    return Runs(
        limits.max_consecutive_days,
        limits.min_consecutive_days or 1,
        limits.min_consecutive_days_off or 1,
        history.consecutive_days_worked if history else 0,
        history.consecutive_days_off if history else 0,
    )


def _search(sub: Problem, person: Person, options: Options) -> list[int] | None:
    """A path keeping the day rules and the counts; None if none was found.

    With a weekend limit the least valuable weekends beyond it are first given off outright
    (exact, and cheap); if that finds nothing, a penalty per weekend worked is tried instead.
    """
    limits = person.limits
    if not options.signatures or limits.max_consecutive_days == 0:
        return [OFF] * sub.days
    runs = runs_of(person)
    auto = _automaton(runs, len(options.class_starts))
    free_weekends = _weekends_off(sub, person, options)
    if free_weekends is not None:
        path = _penalised(sub, person, free_weekends, runs, auto)
        if path is not None:
            return path
    return _penalised(sub, person, options, runs, auto)


def _weekends_off(sub: Problem, person: Person, options: Options) -> Options | None:
    """The options with the least valuable weekends beyond the limit off; None if no limit binds."""
    limit = person.limits.max_weekends
    if limit is None:
        return None
    weekend_days: dict[int, list[int]] = {}
    for day in range(sub.days):
        if sub.is_weekend(day) and np.isfinite(options.base[day]).any():
            weekend_days.setdefault(sub.week(day), []).append(day)
    pinned = {w for w, ds in weekend_days.items() if any(not options.off_allowed[d] for d in ds)}
    closed = np.all(~np.isfinite(options.base), axis=1).tolist()  # a fixed day off, leave, ...

    def loss(week: int) -> float:
        """What giving the weekend off costs: its best prices, less for days off beside it."""
        days = weekend_days[week]
        value = -sum(min(0.0, float(options.base[d].min())) for d in days)
        beside = [d for d in (days[0] - 1, days[-1] + 1) if 0 <= d < sub.days and closed[d]]
        return value - len(beside) - 2 * (len(days) < 2)

    spare = sorted((w for w in weekend_days if w not in pinned), key=loss)
    surplus = len(weekend_days) - limit
    if surplus <= 0:
        return None
    base = options.base.copy()
    for week in spare[:surplus]:
        base[weekend_days[week]] = np.inf
    return replace(options, base=base)


def _penalised(
    sub: Problem, person: Person, options: Options, runs: Runs, auto: Automaton
) -> list[int] | None:
    """Raise the per-type and weekend penalties until the path keeps those counts; None if it never does."""
    limits = person.limits
    weekday = (sub.start_weekday + np.arange(sub.days)) % 7
    pricing = Pricing(
        options,
        (weekday == SATURDAY).astype(float),
        (weekday == SUNDAY).astype(float),
        np.zeros(len(options.types)),
    )
    caps = np.array([limits.max_shifts_per_type.get(t, sub.days) for t in options.types], dtype=np.int64)
    finite = np.abs(options.base[np.isfinite(options.base)])
    scale = float(np.median(finite)) + 1.0 if finite.size else 1.0
    for _ in range(ROUNDS):
        path = _fit_work(sub, person, options, runs, auto, pricing)
        if path is None:
            return None
        counts = _count(sub, options, path)
        weekends_over = limits.max_weekends is not None and counts.weekends > limits.max_weekends
        over = counts.per_type > caps
        if over.any() and not weekends_over:
            # Types of equal price trade places wholesale as their penalties move; moving the few
            # shifts beyond a cap to other types day by day settles it.
            repaired = _repair_types(sub, options, path, pricing.cost(pricing.reward), caps)
            if repaired is not None:
                return repaired
        if not over.any() and not weekends_over:
            return path
        # Doubling from a small step: the smallest penalty that holds the count costs least coverage.
        # A shift competes with the reward for working it, so the step grows with that reward.
        step = FIRST_PENALTY * (abs(pricing.reward) * float(options.minutes.mean()) / 60.0 + scale)
        pricing.per_type[over] = np.maximum(2 * pricing.per_type[over], step)
        if weekends_over:
            pricing.weekend = max(2 * pricing.weekend, step)
    return None


def _window(person: Person) -> tuple[float, float]:
    """The minutes the person must work over the horizon (from minutes limits)."""
    limits = person.limits
    low = -math.inf if limits.min_minutes is None else limits.min_minutes
    high = math.inf if limits.max_minutes is None else limits.max_minutes
    return low, high


def _fit_work(
    sub: Problem, person: Person, options: Options, runs: Runs, auto: Automaton, pricing: Pricing
) -> list[int] | None:
    """The path whose minutes and shift count land in their windows, the reward per hour found by bisection.

    Returns the path at reward 0 when no window applies, and None if even the largest reward
    (every worth-while day worked) stays below the minimum or no reward lands in both windows.
    """
    low, high = _window(person)
    few = person.limits.min_shifts or 0
    many = person.limits.max_shifts if person.limits.max_shifts is not None else sub.days

    def solve(reward: float) -> tuple[list[int] | None, int]:
        """The path at this reward and how it misses the windows (-1 short, 0 in, 1 over)."""
        path = _shortest(options, auto, pricing.cost(reward), pricing.weekend * pricing.sunday)
        if path is None:
            return None, 0
        counts = _count(sub, options, path)
        if counts.minutes < low or counts.shifts < few:
            return path, -1
        return path, 1 if counts.minutes > high or counts.shifts > many else 0

    path, miss = solve(pricing.reward)
    if path is None or miss == 0:
        return path
    cost = pricing.cost(0.0)
    spread = float(np.abs(cost[np.isfinite(cost)]).max(initial=0.0)) + 1.0
    bound = 2.0 * 60.0 * spread / max(float(options.minutes.min()), 1.0) + 1.0
    ends: dict[int, tuple[float, list[int]]] = {miss: (pricing.reward, path)}
    # From the last reward (the penalties moved a little since), outwards until the miss flips.
    lo = hi = pricing.reward
    step = max(1.0, abs(pricing.reward) / 8)
    while miss != 0 and -bound <= lo and hi <= bound:
        lo, hi = (hi, hi + step) if miss < 0 else (lo - step, lo)
        probe = hi if miss < 0 else lo
        path, flipped = solve(probe)
        if path is None or flipped == 0:
            pricing.reward = probe
            return path
        ends[flipped] = (probe, path)
        if flipped != miss:
            break
        step *= 2
    else:
        return None
    for _ in range(BISECTIONS):
        middle = (lo + hi) / 2
        path, miss = solve(middle)
        if path is None or miss == 0:
            pricing.reward = middle
            return path
        ends[miss] = (middle, path)
        lo, hi = (middle, hi) if miss < 0 else (lo, middle)
    # The reward jumps over the window (days trade places in blocks): repair the nearer end.
    for reward, near in sorted(ends.values(), key=lambda end: _distance(sub, options, person, end[1])):
        repaired = _repair(sub, person, options, runs, near.copy(), pricing.cost(reward))
        if repaired is not None:
            return repaired
    return None


def _distance(sub: Problem, options: Options, person: Person, path: list[int]) -> float:
    """How many minutes the path lies outside the window."""
    low, high = _window(person)
    minutes = _count(sub, options, path).minutes
    return max(low - minutes, minutes - high, 0.0)


def _runs_hold(runs: Runs, worked: Sequence[bool]) -> bool:
    """The run rules of ``solver.validate`` (history extends or encloses the runs at day 0)."""
    days, start = len(worked), 0
    while start < days:
        end = start
        while end + 1 < days and worked[end + 1] == worked[start]:
            end += 1
        same, other = (
            (runs.worked_before, runs.off_before) if worked[start] else (runs.off_before, runs.worked_before)
        )
        before = same if start == 0 else 0
        length = end - start + 1 + before
        if worked[start] and runs.max_work is not None and length > runs.max_work:
            return False
        enclosed = end < days - 1 and (start > 0 or same > 0 or other > 0)
        if enclosed and length < (runs.min_work if worked[start] else runs.min_off):
            return False
        start = end + 1
    return True


def _repair(
    sub: Problem, person: Person, options: Options, runs: Runs, path: list[int], cost: Floats
) -> list[int] | None:
    """Move the path's minutes into their window one day at a time (cheapest change first); None if stuck.

    A change works another option on a day, or works or frees a day; it must keep the day rules,
    the per-type and weekend limits, and must not overshoot the window's other side.
    """
    limits = person.limits
    low, high = _window(person)
    caps = {t: limits.max_shifts_per_type.get(t, sub.days) for t in options.types}
    for _ in range(REPAIRS):
        counts = _count(sub, options, path)
        if low <= counts.minutes <= high:
            return path
        direction = 1 if counts.minutes < low else -1
        move = _best_move(sub, options, runs, path, cost, counts, direction, (low, high), caps)
        if move is None:
            return None
        day, sig = move
        path[day] = sig
    return None


def _best_move(
    sub: Problem,
    options: Options,
    runs: Runs,
    path: list[int],
    cost: Floats,
    counts: Counts,
    direction: int,
    window: tuple[float, float],
    caps: dict[str, int],
) -> tuple[int, int] | None:
    """The cheapest one-day change that moves the minutes towards the window without passing it."""
    minutes = [0.0, *options.minutes]  # index sig + 1; OFF works 0 minutes
    klass = _classes(options)
    worked = [sig != OFF for sig in path]
    best: tuple[float, int, int] | None = None
    for day, old in enumerate(path):
        runs_ok: bool | None = None  # whether flipping the day keeps the run rules, once asked
        for new in range(OFF, len(options.signatures)):
            delta = minutes[new + 1] - minutes[old + 1]
            if new == old or delta * direction <= 0:
                continue
            after = counts.minutes + delta
            if (direction > 0 and after > window[1]) or (direction < 0 and after < window[0]):
                continue
            price = (cost[day, new] if new != OFF else 0.0) - (cost[day, old] if old != OFF else 0.0)
            if (best is not None and price >= best[0]) or not math.isfinite(price):
                continue
            if not _fits(sub, options, path, counts, caps, klass, day, new):
                continue
            if (new == OFF) != (old == OFF):
                if runs_ok is None:
                    worked[day] = not worked[day]
                    runs_ok = _runs_hold(runs, worked)
                    worked[day] = not worked[day]
                if not runs_ok:
                    continue
            best = (price, day, new)
    return None if best is None else (best[1], best[2])


def _repair_types(
    sub: Problem, options: Options, path: list[int], cost: Floats, caps: Ints
) -> list[int] | None:
    """Move shifts of over-used types to other options on their days (cheapest first); None if stuck.

    Only changes that keep the successions with both neighbours, the other types' caps and the
    minutes window are made.
    """
    path = path.copy()
    low, high = _window(sub.people[0])
    klass = _classes(options)
    limit = {t: int(caps[i]) for i, t in enumerate(options.types)}
    while True:
        counts = _count(sub, options, path)
        over = np.flatnonzero(counts.per_type > caps)
        if not over.size:
            return path
        best: tuple[float, int, int] | None = None
        for day, old in enumerate(path):
            if old == OFF or options.type_index[old] not in over:
                continue
            for new in range(len(options.signatures)):
                if options.type_index[new] == options.type_index[old] or not math.isfinite(cost[day, new]):
                    continue
                minutes = counts.minutes + options.minutes[new] - options.minutes[old]
                price = float(cost[day, new] - cost[day, old])
                if not low <= minutes <= high or (best is not None and price >= best[0]):
                    continue
                if _fits(sub, options, path, counts, limit, klass, day, new):
                    best = (price, day, new)
        if best is None:
            return None
        path[best[1]] = best[2]


def _classes(options: Options) -> Ints:
    """The class of every option."""
    signatures = np.arange(len(options.signatures))
    return np.searchsorted(options.class_starts, signatures, side="right") - 1


def _fits(
    sub: Problem,
    options: Options,
    path: list[int],
    counts: Counts,
    caps: dict[str, int],
    klass: Ints,
    day: int,
    new: int,
) -> bool:
    """True if working ``new`` (or OFF) on the day keeps pins, successions, type and weekend limits."""
    old = path[day]
    if new == OFF:
        return bool(options.off_allowed[day])
    t = int(options.type_index[new])
    if (old == OFF or options.type_index[old] != t) and counts.per_type[t] + 1 > caps[options.types[t]]:
        return False
    if day > 0 and path[day - 1] != OFF and not options.compatible[klass[path[day - 1]], new]:
        return False
    if day + 1 < len(path) and path[day + 1] != OFF and not options.compatible[klass[new], path[day + 1]]:
        return False
    limit = sub.people[0].limits.max_weekends
    if old != OFF or limit is None or not sub.is_weekend(day) or counts.weekends < limit:
        return True
    week = sub.week(day)
    return any(
        path[d] != OFF
        for d in range(max(0, day - 1), min(len(path), day + 2))
        if d != day and sub.is_weekend(d) and sub.week(d) == week
    )
