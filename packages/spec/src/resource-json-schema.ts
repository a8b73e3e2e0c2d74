import { z } from 'zod';
import { resourceDocument } from './schemas.js';

/**
 * JSON Schema (draft 2020-12) of one resource document: oneOf Service | Rollout | Segment | AnalysisTemplate | Experiment | Target | Flag | Webhook, unknown fields
 * rejected. What `sluice schema` prints and editors (yaml-language-server) validate against.
 * Cross-field rules (stable is a version, unique names and hosts, health check timeout below its
 * interval, services sharing a listen address, conditions and placeholders, unique metric and item
 * names) are checked only by parseResources and apply.
 */
export function resourceJsonSchema(): object {
  const schema = z.toJSONSchema(resourceDocument, { target: 'draft-2020-12', io: 'input' });
  return { ...schema, title: 'Sluice resource', description: 'A Sluice Service, Rollout, Segment, AnalysisTemplate, Experiment, Target, Flag or Webhook (apiVersion sluice.dev/v1)' };
}
