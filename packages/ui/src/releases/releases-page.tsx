/** Placeholder: the Releases page is being built (issue 10). */
export function ReleasesPage() {
  return (
    <section class="panel">
      <h1>Releases</h1>
      
    </section>
  );
}
