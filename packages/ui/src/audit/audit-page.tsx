/** Placeholder: the Audit log page is being built (issue 10). */
export function AuditPage() {
  return (
    <section class="panel">
      <h1>Audit log</h1>
      
    </section>
  );
}
