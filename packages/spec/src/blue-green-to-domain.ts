import { blueGreenStrategy, DEFAULT_SCALE_DOWN_DELAY_MS, ErrorCode, SluiceError } from '@sluice/domain';
import type { BlueGreenAnalysis, BlueGreenStrategy, PreviewRoute } from '@sluice/domain';
import type { z } from 'zod';
import { ms, toAnalysisRef } from './analysis-to-domain.js';
import type { blueGreen } from './blue-green-schemas.js';

type RawBlueGreen = z.output<typeof blueGreen>;
type RawAnalysis = NonNullable<RawBlueGreen['prePromotionAnalysis']>;

/** A validated `blueGreen` as the domain's strategy: defaults applied, durations in ms, steps expanded. */
export function toBlueGreenStrategy(raw: RawBlueGreen): BlueGreenStrategy {
  const { previewRoute, prePromotionAnalysis, postPromotionAnalysis, autoPromotionDelay, scaleDownDelay } = raw;
  return blueGreenStrategy({
    ...(previewRoute === undefined ? {} : { previewRoute: toPreviewRoute(previewRoute) }),
    ...(prePromotionAnalysis === undefined ? {} : { prePromotionAnalysis: toAnalysis(prePromotionAnalysis) }),
    autoPromote: raw.autoPromote ?? true,
    ...(autoPromotionDelay === undefined ? {} : { autoPromotionDelayMs: ms(autoPromotionDelay) }),
    ...(postPromotionAnalysis === undefined ? {} : { postPromotionAnalysis: toAnalysis(postPromotionAnalysis) }),
    scaleDownDelayMs: scaleDownDelay === undefined ? DEFAULT_SCALE_DOWN_DELAY_MS : ms(scaleDownDelay),
  });
}

function toPreviewRoute(raw: NonNullable<RawBlueGreen['previewRoute']>): PreviewRoute {
  if (raw.header !== undefined) return { kind: 'header', name: raw.header.name.toLowerCase(), value: String(raw.header.value) };
  if (raw.cookie !== undefined) return { kind: 'cookie', name: raw.cookie.name, value: String(raw.cookie.value) };
  throw new SluiceError(ErrorCode.INTERNAL, 'a previewRoute passed the schema without header or cookie');
}

function toAnalysis(raw: RawAnalysis): BlueGreenAnalysis {
  return { ...toAnalysisRef(raw), ...(raw.duration === undefined ? {} : { durationMs: ms(raw.duration) }) };
}
