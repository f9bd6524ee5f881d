/**
 * A rendered email: recipient, subject, and the HTML body in a sandboxed frame (no scripts, no
 * same-origin access; the page's CSP applies inside it too), so a template cannot touch the console.
 */
export interface Rendered {
  subject: string;
  body: string;
  email: string | null;
  contact_display_name: string | null;
  lead_display_name: string;
  lead_id: string;
}

export function EmailPreview({ rendered }: { rendered: Rendered }) {
  return (
    <article className="preview" data-testid="email-preview">
      <p>
        <strong>To:</strong> {rendered.contact_display_name ?? ''} {rendered.email ? `<${rendered.email}>` : '(no address)'} · lead {rendered.lead_display_name}
      </p>
      <p>
        <strong>Subject:</strong> <span data-testid="preview-subject">{rendered.subject}</span>
      </p>
      <iframe className="preview-frame" title={`Email body for ${rendered.email ?? rendered.lead_display_name}`} sandbox="" srcDoc={rendered.body} />
    </article>
  );
}
