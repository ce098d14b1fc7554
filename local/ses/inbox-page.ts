/**
 * The local inbox: every email the local SES stored, newest first, each shown as the manager would
 * see it. Emails render in sandboxed iframes (no scripts) from `srcdoc`, and every other value is
 * set as text, never as HTML.
 */
export const INBOX_PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Local inbox: human approval</title>
<style>
  body { font-family: system-ui, -apple-system, Segoe UI, Roboto, sans-serif; margin: 0; background: #f1f3f4; color: #202124; }
  header { background: #202124; color: white; padding: 14px 24px; }
  header h1 { font-size: 18px; margin: 0; }
  header p { margin: 4px 0 0; font-size: 13px; color: #bdc1c6; }
  main { max-width: 960px; margin: 0 auto; padding: 16px; }
  .empty { color: #5f6368; padding: 24px; text-align: center; }
  .email { background: white; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.2); margin-bottom: 16px; overflow: hidden; }
  .meta { padding: 12px 16px; border-bottom: 1px solid #e8eaed; }
  .subject { font-weight: 600; font-size: 16px; }
  .line { font-size: 13px; color: #5f6368; margin-top: 2px; }
  iframe { width: 100%; height: 280px; border: 0; display: block; }
  details { padding: 8px 16px; font-size: 13px; border-top: 1px solid #e8eaed; }
  pre { white-space: pre-wrap; word-break: break-all; }
</style>
</head>
<body>
<header>
  <h1>Local inbox</h1>
  <p>Emails the approval worker sent through the local SES. New ones appear on their own. Raw data: <a href="/store" style="color:#8ab4f8">GET /store</a></p>
</header>
<main>
  <div id="emails"></div>
  <p class="empty" id="empty">No email yet. Start a request: <code>npx approval start --local --manager-email you@example.com --employee-name Jim</code></p>
</main>
<script>
  const seen = new Set();
  const list = document.getElementById('emails');

  function line(label, value) {
    const div = document.createElement('div');
    div.className = 'line';
    div.textContent = label + ': ' + value;
    return div;
  }

  function render(email) {
    const card = document.createElement('article');
    card.className = 'email';
    card.dataset.messageId = email.messageId;
    const meta = document.createElement('div');
    meta.className = 'meta';
    const subject = document.createElement('div');
    subject.className = 'subject';
    subject.textContent = email.subject;
    meta.append(subject, line('To', email.destination.to.join(', ')), line('From', email.from), line('Sent', new Date(email.at * 1000).toLocaleString()));
    card.append(meta);
    if (email.body.html) {
      const frame = document.createElement('iframe');
      frame.title = 'Email: ' + email.subject;
      // No scripts in the email; links open inside the frame.
      frame.setAttribute('sandbox', '');
      frame.srcdoc = email.body.html;
      card.append(frame);
    }
    if (email.body.text) {
      const details = document.createElement('details');
      const summary = document.createElement('summary');
      summary.textContent = 'Plain-text part';
      const pre = document.createElement('pre');
      pre.textContent = email.body.text;
      details.append(summary, pre);
      card.append(details);
    }
    return card;
  }

  async function refresh() {
    try {
      const store = await (await fetch('/store')).json();
      for (const email of store.emails) {
        if (seen.has(email.messageId)) continue;
        seen.add(email.messageId);
        list.prepend(render(email));
      }
      document.getElementById('empty').hidden = seen.size > 0;
    } catch (error) {
      console.error('Could not read the emails; is npm start still running?', error);
    }
  }

  refresh();
  setInterval(refresh, 1000);
</script>
</body>
</html>
`;
