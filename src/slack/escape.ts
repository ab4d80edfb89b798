/**
 * Escaping for Slack mrkdwn: everything that comes from outside (DNS names, certificate subjects,
 * server responses, log lines, user input) passes through here before it lands in a message, so
 * it cannot mention users or channels, ping `@channel`, or break the formatting around it.
 */

const WORD_JOINER = '\u2060';

/**
 * escapeMrkdwn returns text safe to embed in mrkdwn: `&`, `<` and `>` become entities (which also
 * disarms `<!channel>`, `<!here>`, `<@U…>`, `<#C…>` and links), bare `@channel`/`@here`/`@everyone`
 * get an invisible joiner so no client turns them into pings, and code fences cannot be opened.
 */
export function escapeMrkdwn(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, `@${WORD_JOINER}$1`)
    .replace(/```/g, `\`${WORD_JOINER}\`${WORD_JOINER}\``);
}

/** escapeCode returns text for inside a `code` span: backticks cannot close it early. */
export function escapeCode(text: string): string {
  return escapeMrkdwn(text).replace(/`/g, "'");
}

/**
 * plainText returns text for a plain_text object (header, button, modal title): no entities are
 * parsed there, so only control characters and mention-looking words are neutralised.
 */
export function plainText(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ')
    .replace(/@(channel|here|everyone)\b/gi, `@${WORD_JOINER}$1`);
}
