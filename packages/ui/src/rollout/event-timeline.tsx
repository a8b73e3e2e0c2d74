import { useMemo, useState } from 'preact/hooks';
import { when } from '../flags/format';
import { clock } from './format';
import type { ReleaseEvent } from './rollout-api';
import { groupByStep, type EventGroup } from './timeline-groups';

/** Events shown per group before "Show all". */
const SHOWN = 50;

function EventItem({ event }: { readonly event: ReleaseEvent }) {
  return (
    <li class="event" data-seq={event.seq} data-type={event.type}>
      <time class="event-time num" dateTime={new Date(event.at).toISOString()} title={when(event.at)}>
        {clock(event.at)}
      </time>
      <div class="event-body">
        <div class="event-head">
          <strong>{event.type}</strong>
          {(event.from !== undefined || event.to !== undefined) && (
            <span class="muted">
              {event.from ?? '—'} → {event.to ?? '—'}
            </span>
          )}
          <span class="event-actor">
            by <strong>{event.actor}</strong>
          </span>
        </div>
        <div class="event-reason">{event.reason}</div>
      </div>
    </li>
  );
}

function GroupEvents({ group }: { readonly group: EventGroup }) {
  const [all, setAll] = useState(false);
  const newestFirst = group.events.slice().reverse();
  const shown = all ? newestFirst : newestFirst.slice(0, SHOWN);
  return (
    <>
      <ol class="events">
        {shown.map((e) => (
          <EventItem key={e.seq} event={e} />
        ))}
      </ol>
      {shown.length < newestFirst.length && (
        <button type="button" class="button button-small show-all" onClick={() => setAll(true)}>
          Show all {newestFirst.length} events of this step
        </button>
      )}
    </>
  );
}

/**
 * Every event of the rollout, grouped by step, newest step first; only open groups render their events
 * (the newest is open), so thousands of events stay cheap.
 */
export function EventTimeline({ events, steps }: { readonly events: readonly ReleaseEvent[]; readonly steps: readonly string[] }) {
  const groups = useMemo(() => groupByStep(events, steps).reverse(), [events, steps]);
  const [toggled, setToggled] = useState<ReadonlyMap<number, boolean>>(new Map());
  const newest = groups[0]?.step;
  if (groups.length === 0) return <p class="muted">No events yet.</p>;
  return (
    <div class="timeline" data-events={events.length}>
      {groups.map((g) => {
        const open = toggled.get(g.step) ?? g.step === newest;
        const last = g.events[g.events.length - 1]!;
        return (
          <details key={g.step} class="event-group" open={open} data-group={g.step} onToggle={(e) => {
            const now = e.currentTarget.open;
            if (now !== open) setToggled((m) => new Map(m).set(g.step, now));
          }}>
            <summary>
              <span class="group-label">{g.label}</span>
              <span class="muted small">
                {g.events.length} event{g.events.length === 1 ? '' : 's'}, last at {clock(last.at)}
              </span>
            </summary>
            {open && <GroupEvents group={g} />}
          </details>
        );
      })}
    </div>
  );
}
