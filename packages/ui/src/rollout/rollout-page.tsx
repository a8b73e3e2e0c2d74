/** Placeholder: the Rollout page is being built (issue 10). */
export function RolloutPage({ name }: { readonly name?: string | undefined }) {
  return (
    <section class="panel">
      <h1>Rollout</h1>
      <p class="muted">{name}</p>
    </section>
  );
}
