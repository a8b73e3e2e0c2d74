import { healthOf } from '../releases/release-health';
import type { RolloutView, ServiceState } from '../releases/release-model';
import { ExposureList, HealthBadges, PhaseBadge, Progress, RolloutLink } from '../releases/release-parts';

function Traffic({ service }: { readonly service: ServiceState }) {
  const t = service.traffic;
  if (t === undefined) return <span class="muted">not observed yet</span>;
  if (t.canary === undefined || t.weight === 0) return <span>100 % on {t.stable}</span>;
  return (
    <span class="num">
      {100 - t.weight} % on {t.stable}, {t.weight} % on {t.canary}
    </span>
  );
}

function Instances({ service }: { readonly service: ServiceState }) {
  const workloads = (service.workloads ?? []).filter((w) => w.desiredReplicas > 0 || w.readyEndpoints.length > 0);
  if (workloads.length === 0) return <span class="muted">none run by Sluice</span>;
  return (
    <span>
      {workloads.map((w, i) => (
        <span key={w.version} class="num">
          {i > 0 && ', '}
          {w.version} {w.readyEndpoints.length}/{w.desiredReplicas} ready
        </span>
      ))}
    </span>
  );
}

/** The service now: stable version and revision, what the data plane serves, instances, health, and its rollout. */
export function ServiceStatePanel({ service, active }: { readonly service: ServiceState; readonly active: RolloutView | undefined }) {
  return (
    <div class="panel rel-service-state">
      <dl class="rel-facts">
        <div>
          <dt>Stable</dt>
          <dd>
            <span class="rel-version" data-stable={service.status.stable}>
              {service.status.stable}
            </span>{' '}
            <span class="muted">revision {service.status.revision}</span>
          </dd>
        </div>
        <div>
          <dt>Serving</dt>
          <dd>
            <Traffic service={service} />
            {service.traffic?.address !== undefined && <span class="muted small"> at {service.traffic.address}</span>}
          </dd>
        </div>
        <div>
          <dt>Instances</dt>
          <dd>
            <Instances service={service} />
          </dd>
        </div>
        <div>
          <dt>Rollout</dt>
          <dd>
            {active === undefined ? (
              <span class="muted">none in progress</span>
            ) : (
              <>
                <RolloutLink rollout={active} /> <PhaseBadge rollout={active} />
              </>
            )}
          </dd>
        </div>
      </dl>
      {active !== undefined && (
        <div class="rel-service-rollout">
          <Progress rollout={active} service={service} />
          <ExposureList rollout={active} />
        </div>
      )}
      <HealthBadges signals={healthOf(service, active)} label={`Health of ${service.name}`} />
    </div>
  );
}
