/** Placeholder: the Experiments page is being built (issue 10). */
export function ExperimentsPage({ name }: { readonly name?: string | undefined }) {
  return (
    <section class="panel">
      <h1>Experiments</h1>
      <p class="muted">{name}</p>
    </section>
  );
}
