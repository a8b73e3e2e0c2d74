import type { StreamedEvent } from '../api/event-stream';
import { href, Link } from '../app/router';
import { ago, when } from '../flags/format';
import { ChangeDetails } from './change-details';

/** A stored event as GET /api/v1/events, a service's history and the stream send it; `source`: the client IP of a person's action. */
export type AuditEvent = StreamedEvent & { readonly source?: string };

/** Where the release center shows each kind of subject (others, like Segment, have no page). */
const SUBJECT_PAGES: Readonly<Record<string, string>> = { Rollout: 'rollouts', Service: 'services', Flag: 'flags', Experiment: 'experiments' };

/** The page of an event's subject: a rollout's page, a service's history, a flag or an experiment. */
export function SubjectLink({ event }: { readonly event: AuditEvent }) {
  const { subject } = event;
  if (subject === undefined) return <span class="muted">{event.service ?? '—'}</span>;
  const folder = SUBJECT_PAGES[subject.kind];
  const path = folder === undefined ? undefined : `${folder}/${encodeURIComponent(subject.name)}`;
  const text = `${subject.kind}/${subject.name}`;
  return path === undefined ? <span>{text}</span> : <Link to={href(path)}>{text}</Link>;
}

function EventRow({ event, fresh }: { readonly event: AuditEvent; readonly fresh: boolean }) {
  const change = event.from !== undefined || event.to !== undefined ? `${event.from ?? '—'} → ${event.to ?? '—'}` : '';
  return (
    <tr class={fresh ? 'rel-event-new' : undefined} data-seq={event.seq} data-type={event.type} data-actor={event.actor ?? ''} data-source={event.source ?? ''}>
      <td data-label="When" class="num">
        <span title={when(event.at)}>{ago(event.at)}</span> <span class="muted small">#{event.seq}</span>
      </td>
      <td data-label="Who">
        <span class="rel-event-actor">{event.actor ?? '—'}</span>
        {event.source !== undefined && (
          <span class="rel-event-source muted small" title="client IP address">
            <span class="visually-hidden">from </span>
            {event.source}
          </span>
        )}
      </td>
      <td data-label="What">
        <span class="kind rel-event-type">{event.type}</span>
      </td>
      <td data-label="Subject">
        <SubjectLink event={event} />
      </td>
      <td data-label={change === '' ? '' : 'Change'} class="rel-event-change">
        {change}
      </td>
      <td data-label="Why" class="rel-event-reason">
        {event.reason}
        <ChangeDetails data={event.data} />
      </td>
    </tr>
  );
}

/** Events newest first: when, who (and from which address), what, about what, from → to, and why (with what changed, folded). */
export function EventTable({ events, label, fresh }: { readonly events: readonly AuditEvent[]; readonly label: string; readonly fresh?: ReadonlySet<number> }) {
  return (
    <table class="table rel-event-table" aria-label={label}>
      <colgroup>
        <col class="rel-col-when" />
        <col class="rel-col-who" />
        <col class="rel-col-what" />
        <col class="rel-col-subject" />
        <col class="rel-col-change" />
        <col class="rel-col-why" />
      </colgroup>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Who</th>
          <th scope="col">What</th>
          <th scope="col">Subject</th>
          <th scope="col">Change</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <EventRow key={e.seq} event={e} fresh={fresh?.has(e.seq) ?? false} />
        ))}
      </tbody>
    </table>
  );
}
