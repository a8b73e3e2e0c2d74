/** Placeholder: the Migrations page is being built (issue 10). */
export function MigrationsPage() {
  return (
    <section class="panel">
      <h1>Migrations</h1>
      
    </section>
  );
}
