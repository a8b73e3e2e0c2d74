import { ExperimentDetail } from './experiment-detail';
import { ExperimentList } from './experiment-list';

/** /ui/experiments: the list; /ui/experiments/NAME: one experiment's report. */
export function ExperimentsPage({ name }: { readonly name?: string | undefined }) {
  return name === undefined ? <ExperimentList /> : <ExperimentDetail name={name} />;
}
