import { describe, expect, test } from 'vitest';
import { blocks, mrkdwn } from '../../src/playground/render.js';

const ctx = () => {
  const els: unknown[] = [];
  return { register: (el: unknown) => els.push(el) - 1, names: { users: { U0PLAYUSER: 'you' }, channels: {} } };
};

describe('mrkdwn as Slack shows it', () => {
  test('bold, italic, strike, code and pre; no formatting inside code', () => {
    expect(mrkdwn('*bold* _it_ ~gone~ `a*b*c`')).toBe('<b>bold</b> <i>it</i> <s>gone</s> <code>a*b*c</code>');
    expect(mrkdwn('```line 1\n*not bold*```')).toBe('<pre>line 1\n*not bold*</pre>');
    expect(mrkdwn('2*3*4 and snake_case_name')).toBe('2*3*4 and snake_case_name');
  });

  test('escaped text stays text: &lt;script&gt; and raw markup never become HTML', () => {
    const html = mrkdwn('&lt;script&gt;alert(1)&lt;/script&gt; <img src=x onerror=alert(1)> a &amp; b " \'');
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('a &amp; b &quot; &#39;');
  });

  test('links keep only http(s) and mailto; mentions and broadcasts are highlighted, not pinged', () => {
    expect(mrkdwn('<https://x.example/?a=1&amp;b=2|the *site*>')).toBe(
      '<a href="https://x.example/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">the *site*</a>',
    );
    expect(mrkdwn('<javascript:alert(1)|click>')).toBe('click');
    expect(mrkdwn('<@U0PLAYUSER> <!channel>', { users: { U0PLAYUSER: 'you' } })).toBe(
      '<span class="mention">@you</span> <span class="mention broadcast">@channel</span>',
    );
    expect(mrkdwn('*<https://x.example|bold link>*')).toContain('<b><a href="https://x.example"');
  });

  test('status emoji shortcodes become emoji; times and unknown codes stay', () => {
    for (const [code, char] of [
      ['white_check_mark', '✅'],
      ['warning', '⚠️'],
      ['rotating_light', '🚨'],
      ['red_circle', '🔴'],
      ['large_yellow_circle', '🟡'],
      ['information_source', 'ℹ️'],
    ])
      expect(mrkdwn(`:${code}: x`)).toContain(char);
    expect(mrkdwn('at 10:40:00 :no_such_emoji:')).toBe('at 10:40:00 :no_such_emoji:');
  });

  test('quotes and bullets', () => {
    expect(mrkdwn('&gt; quoted\n• one\n• two')).toBe('<blockquote>quoted</blockquote>• one<br>• two');
  });
});

describe('Block Kit blocks', () => {
  test('header, fields, context, divider, buttons with styles; plain text is escaped', () => {
    const html = blocks(
      [
        { type: 'header', text: { type: 'plain_text', text: ':red_circle: <b>x</b>', emoji: true } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*A*' },
            { type: 'mrkdwn', text: '_B_' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'ctx `c`' }] },
        { type: 'divider' },
        {
          type: 'actions',
          block_id: 'acts"',
          elements: [
            { type: 'button', action_id: 'go', text: { type: 'plain_text', text: 'Go' }, style: 'primary' },
            { type: 'button', action_id: 'rm', text: { type: 'plain_text', text: 'Delete' }, style: 'danger' },
          ],
        },
      ],
      ctx(),
    );
    expect(html).toContain('🔴</span> &lt;b&gt;x&lt;/b&gt;</div>');
    expect(html).toContain('<div class="b-fields"><div><span class="mrkdwn"><b>A</b></span></div>');
    expect(html).toContain('<hr class="b-divider">');
    expect(html).toContain('class="btn primary"');
    expect(html).toContain('class="btn danger"');
    expect(html).toContain('data-block="acts&quot;"');
  });

  test('modal inputs: text, select, radio; errors under their block; unknown blocks say so', () => {
    const html = blocks(
      [
        {
          type: 'input',
          block_id: 'why',
          label: { type: 'plain_text', text: 'Why' },
          element: { type: 'plain_text_input', action_id: 'v', multiline: true, initial_value: '</textarea>' },
        },
        {
          type: 'input',
          block_id: 'pick',
          optional: true,
          label: { type: 'plain_text', text: 'Pick' },
          element: {
            type: 'static_select',
            action_id: 's',
            options: [{ text: { type: 'plain_text', text: 'One' }, value: '1' }],
          },
        },
        {
          type: 'input',
          block_id: 'r',
          label: { type: 'plain_text', text: 'Radio' },
          element: {
            type: 'radio_buttons',
            action_id: 'rb',
            options: [{ text: { type: 'plain_text', text: 'A' }, value: 'a' }],
          },
        },
        { type: 'video' },
      ],
      { ...ctx(), errors: { why: 'Say why' } },
    );
    expect(html).toContain('&lt;/textarea&gt;</textarea>');
    expect(html).toContain('<option value="1">One</option>');
    expect(html).toContain('type="radio"');
    expect(html).toContain('(optional)');
    expect(html).toContain('<div class="err">Say why</div>');
    expect(html).toContain('[unsupported block: video]');
  });
});
