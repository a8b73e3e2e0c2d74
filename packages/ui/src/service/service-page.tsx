/** Placeholder: the Service history page is being built (issue 10). */
export function ServicePage({ name }: { readonly name?: string | undefined }) {
  return (
    <section class="panel">
      <h1>Service history</h1>
      <p class="muted">{name}</p>
    </section>
  );
}
