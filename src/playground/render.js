/**
 * Block Kit and mrkdwn -> HTML for the playground page, as Slack shows them. Pure functions (no
 * DOM), so they run in the browser and in the tests. Every piece of message text is escaped
 * before it becomes HTML; links keep only http(s) and mailto URLs.
 * https://api.slack.com/reference/surfaces/formatting, https://api.slack.com/reference/block-kit
 */

/** EMOJI maps the shortcodes certmedic (and most bots) use to their characters. */
export const EMOJI = {
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  warning: '⚠️',
  rotating_light: '🚨',
  red_circle: '🔴',
  large_yellow_circle: '🟡',
  large_green_circle: '🟢',
  large_blue_circle: '🔵',
  large_orange_circle: '🟠',
  white_circle: '⚪',
  black_circle: '⚫',
  information_source: 'ℹ️',
  x: '❌',
  heavy_multiplication_x: '✖️',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  arrows_counterclockwise: '🔄',
  repeat: '🔁',
  mag: '🔍',
  lock: '🔒',
  unlock: '🔓',
  key: '🔑',
  closed_lock_with_key: '🔐',
  calendar: '📆',
  date: '📅',
  clock1: '🕐',
  alarm_clock: '⏰',
  bell: '🔔',
  no_bell: '🔕',
  zzz: '💤',
  sleeping: '😴',
  wrench: '🔧',
  hammer_and_wrench: '🛠️',
  gear: '⚙️',
  robot_face: '🤖',
  link: '🔗',
  memo: '📝',
  page_facing_up: '📄',
  clipboard: '📋',
  rocket: '🚀',
  fire: '🔥',
  eyes: '👀',
  thumbsup: '👍',
  '+1': '👍',
  tada: '🎉',
  sos: '🆘',
  bulb: '💡',
  globe_with_meridians: '🌐',
  package: '📦',
  satellite_antenna: '📡',
  stopwatch: '⏱️',
  arrow_right: '➡️',
  heavy_plus_sign: '➕',
  question: '❓',
  exclamation: '❗',
  construction: '🚧',
  shield: '🛡️',
};

const ENTITY = { '&lt;': '<', '&gt;': '>', '&amp;': '&' };

/** decode turns Slack's three escapes (&lt; &gt; &amp;) back into characters. */
export function decode(s) {
  return String(s).replace(/&(lt|gt|amp);/g, (m) => ENTITY[m]);
}

/** esc escapes text for HTML (element content and quoted attributes). */
export function esc(s) {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** emoji replaces known :shortcodes: in already-escaped HTML text. */
export function emoji(html) {
  return html.replace(/:([a-z0-9_+-]+):/g, (m, name) =>
    EMOJI[name] ? `<span class="emoji" title=":${name}:">${EMOJI[name]}</span>` : m,
  );
}

/** safeUrl returns the URL when it is http(s) or mailto, else undefined (no javascript: links). */
export function safeUrl(url) {
  return /^(https?:\/\/|mailto:)/i.test(url) ? url : undefined;
}

/** token renders the inside of `<...>`: links, user/channel mentions, @here, dates. */
function token(inner, names) {
  const bar = inner.indexOf('|');
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? undefined : inner.slice(bar + 1);
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return `<span class="mention">@${esc(decode(label ?? names.users?.[id] ?? id))}</span>`;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return `<span class="mention">#${esc(decode(label ?? names.channels?.[id] ?? id))}</span>`;
  }
  if (target.startsWith('!')) {
    const word = target.slice(1).split('^')[0];
    if (['here', 'channel', 'everyone'].includes(word)) return `<span class="mention broadcast">@${word}</span>`;
    return esc(decode(label ?? `<${target}>`));
  }
  const url = safeUrl(decode(target));
  const text = emoji(esc(decode(label ?? target)));
  return url ? `<a href="${esc(url)}" target="_blank" rel="noopener noreferrer">${text}</a>` : text;
}

/** mrkdwn renders Slack mrkdwn (bold, italic, strike, code, pre, quotes, links, emoji) to HTML. */
export function mrkdwn(src, names = {}) {
  const held = [];
  const hold = (html) => `\u0001${held.push(html) - 1}\u0002`;
  let s = String(src ?? '');
  s = s.replace(/```([\s\S]*?)```/g, (_, code) => hold(`<pre>${esc(decode(code.replace(/^\n/, '')))}</pre>`));
  s = s.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${esc(decode(code))}</code>`));
  s = s.replace(/<([^<>\n]+)>/g, (_, inner) => hold(token(inner, names)));
  s = esc(decode(s));
  const open = '(^|[\\s(\\[\\u0002]|&quot;|&#39;)';
  const close = '(?=$|[\\s).,!?:;\\]\\u0001]|&quot;|&#39;)';
  const wrap = (mark, tag) => {
    const re = new RegExp(`${open}\\${mark}([^\\s${mark}](?:[^${mark}\\n]*[^\\s${mark}])?)\\${mark}${close}`, 'g');
    s = s.replace(re, `$1<${tag}>$2</${tag}>`);
  };
  wrap('*', 'b');
  wrap('_', 'i');
  wrap('~', 's');
  s = emoji(s);
  s = s
    .split('\n')
    .map((line) => (line.startsWith('&gt; ') ? `<blockquote>${line.slice(5)}</blockquote>` : line))
    .join('\n')
    .replace(/<\/blockquote>\n/g, '</blockquote>')
    .replace(/\n/g, '<br>');
  for (let i = 0; i < 3 && s.includes('\u0001'); i++) s = s.replace(/\u0001(\d+)\u0002/g, (_, n) => held[Number(n)]);
  return s;
}

/** text renders a text object: mrkdwn, or plain_text (emoji shortcodes unless emoji: false). */
export function text(obj, names) {
  if (!obj) return '';
  if (obj.type === 'mrkdwn') return `<span class="mrkdwn">${mrkdwn(obj.text, names)}</span>`;
  const plain = esc(obj.text ?? '');
  return obj.emoji === false ? plain : emoji(plain);
}

function attrs(el, ctx) {
  const id = ctx.register(el);
  return `data-el="${id}" data-block="${esc(ctx.blockId)}" data-action="${esc(el.action_id ?? '')}"`;
}

function optionsOf(el) {
  return [...(el.options ?? []), ...(el.option_groups ?? []).flatMap((g) => g.options ?? [])];
}

function selectOptions(list, selected, placeholder) {
  const head = `<option value="">${esc(placeholder ?? 'Select an item')}</option>`;
  return (
    head +
    list
      .map(
        (o) =>
          `<option value="${esc(o.value)}"${selected.includes(o.value) ? ' selected' : ''}>${esc(o.text?.text ?? o.value)}</option>`,
      )
      .join('')
  );
}

/** element renders one interactive element (buttons, selects, inputs, choices). */
export function element(el, ctx) {
  const a = attrs(el, ctx);
  const names = ctx.names;
  switch (el.type) {
    case 'button': {
      const style = el.style === 'primary' ? ' primary' : el.style === 'danger' ? ' danger' : '';
      return `<button type="button" class="btn${style}" ${a}>${text(el.text, names)}</button>`;
    }
    case 'static_select':
    case 'external_select':
    case 'multi_static_select': {
      const init = [el.initial_option?.value, ...(el.initial_options ?? []).map((o) => o.value)].filter(Boolean);
      const multi = el.type.startsWith('multi') ? ' multiple' : '';
      return `<select ${a}${multi}>${selectOptions(optionsOf(el), init, el.placeholder?.text)}</select>`;
    }
    case 'overflow':
      return `<select ${a} title="More actions">${selectOptions(optionsOf(el), [], '⋯')}</select>`;
    case 'conversations_select':
    case 'channels_select':
    case 'multi_conversations_select': {
      const list = Object.entries(names.channels ?? {}).map(([value, n]) => ({ value, text: { text: `#${n}` } }));
      const init = [el.initial_conversation, el.initial_channel, ...(el.initial_conversations ?? [])].filter(Boolean);
      const multi = el.type.startsWith('multi') ? ' multiple' : '';
      return `<select ${a}${multi}>${selectOptions(list, init, el.placeholder?.text)}</select>`;
    }
    case 'users_select':
    case 'multi_users_select': {
      const list = Object.entries(names.users ?? {}).map(([value, n]) => ({ value, text: { text: `@${n}` } }));
      const init = [el.initial_user, ...(el.initial_users ?? [])].filter(Boolean);
      const multi = el.type.startsWith('multi') ? ' multiple' : '';
      return `<select ${a}${multi}>${selectOptions(list, init, el.placeholder?.text)}</select>`;
    }
    case 'radio_buttons':
    case 'checkboxes': {
      const kind = el.type === 'radio_buttons' ? 'radio' : 'checkbox';
      const init = [el.initial_option?.value, ...(el.initial_options ?? []).map((o) => o.value)].filter(Boolean);
      const group = `g${ctx.register(el)}`;
      return `<div ${a} data-choice="${kind}">${(el.options ?? [])
        .map(
          (o) =>
            `<label class="choice"><input type="${kind}" name="${group}" value="${esc(o.value)}"${init.includes(o.value) ? ' checked' : ''}> ${text(o.text, names)}${o.description ? `<span class="desc">${text(o.description, names)}</span>` : ''}</label>`,
        )
        .join('')}</div>`;
    }
    case 'datepicker':
      return `<input type="date" ${a} value="${esc(el.initial_date ?? '')}">`;
    case 'timepicker':
      return `<input type="time" ${a} value="${esc(el.initial_time ?? '')}">`;
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input': {
      const ph = el.placeholder ? ` placeholder="${esc(el.placeholder.text)}"` : '';
      const max = el.max_length ? ` maxlength="${Number(el.max_length)}"` : '';
      if (el.multiline) return `<textarea ${a}${ph}${max}>${esc(el.initial_value ?? '')}</textarea>`;
      const type = { email_text_input: 'email', url_text_input: 'url', number_input: 'number' }[el.type] ?? 'text';
      return `<input type="${type}" ${a}${ph}${max} value="${esc(el.initial_value ?? '')}">`;
    }
    case 'image': {
      const url = safeUrl(el.image_url ?? '');
      return url ? `<img src="${esc(url)}" alt="${esc(el.alt_text ?? '')}" title="${esc(el.alt_text ?? '')}">` : '';
    }
    default:
      return `<span class="b-unknown">[${esc(el.type)}]</span>`;
  }
}

function richText(el, names) {
  const inline = (e) => {
    if (e.type === 'text') {
      let h = esc(e.text);
      if (e.style?.code) h = `<code>${h}</code>`;
      if (e.style?.bold) h = `<b>${h}</b>`;
      if (e.style?.italic) h = `<i>${h}</i>`;
      if (e.style?.strike) h = `<s>${h}</s>`;
      return h.replace(/\n/g, '<br>');
    }
    if (e.type === 'link') return token(`${e.url}|${e.text ?? e.url}`, names);
    if (e.type === 'emoji') return emoji(`:${esc(e.name)}:`);
    if (e.type === 'user') return token(`@${e.user_id}`, names);
    if (e.type === 'channel') return token(`#${e.channel_id}`, names);
    return '';
  };
  const part = (p) => {
    const inner = (p.elements ?? []).map((x) => (x.type?.startsWith('rich_text') ? part(x) : inline(x))).join('');
    if (p.type === 'rich_text_preformatted') return `<pre>${inner}</pre>`;
    if (p.type === 'rich_text_quote') return `<blockquote>${inner}</blockquote>`;
    if (p.type === 'rich_text_list') {
      const tag = p.style === 'ordered' ? 'ol' : 'ul';
      return `<${tag}>${(p.elements ?? []).map((x) => `<li>${part(x)}</li>`).join('')}</${tag}>`;
    }
    return `<div>${inner}</div>`;
  };
  return `<div class="mrkdwn">${(el.elements ?? []).map(part).join('')}</div>`;
}

/**
 * blocks renders a list of blocks. `ctx.register(el)` numbers interactive elements for the page's
 * click handling; `ctx.names` maps user and channel ids to names; `ctx.errors` holds per-block
 * input errors of a modal.
 */
export function blocks(list, ctx) {
  const names = ctx.names ?? {};
  return (list ?? [])
    .map((b) => {
      const c = { ...ctx, names, blockId: b.block_id ?? '' };
      switch (b.type) {
        case 'header':
          return `<div class="b-header">${text(b.text, names)}</div>`;
        case 'section': {
          const fields = b.fields?.length
            ? `<div class="b-fields">${b.fields.map((f) => `<div>${text(f, names)}</div>`).join('')}</div>`
            : '';
          const acc = b.accessory ? `<div class="b-accessory">${element(b.accessory, c)}</div>` : '';
          return `<div class="b-section"><div class="b-main">${text(b.text, names)}${fields}</div>${acc}</div>`;
        }
        case 'divider':
          return '<hr class="b-divider">';
        case 'context':
          return `<div class="b-context">${(b.elements ?? [])
            .map((e) => (e.type === 'image' ? element(e, c) : `<span>${text(e, names)}</span>`))
            .join('')}</div>`;
        case 'actions':
          return `<div class="b-actions">${(b.elements ?? []).map((e) => element(e, c)).join('')}</div>`;
        case 'image':
          return `<div class="b-image">${b.title ? `<div>${text(b.title, names)}</div>` : ''}${element({ ...b, type: 'image' }, c)}</div>`;
        case 'rich_text':
          return richText(b, names);
        case 'input': {
          const err = ctx.errors?.[b.block_id];
          return `<div class="b-input" data-input-block="${esc(b.block_id ?? '')}" data-optional="${b.optional ? 1 : 0}">
            <label class="lbl">${text(b.label, names)}${b.optional ? ' <span class="optional">(optional)</span>' : ''}</label>
            ${element(b.element ?? {}, c)}
            ${b.hint ? `<div class="hint">${text(b.hint, names)}</div>` : ''}
            <div class="err">${err ? esc(err) : ''}</div></div>`;
        }
        default:
          return `<div class="b-unknown">[unsupported block: ${esc(b.type)}]</div>`;
      }
    })
    .join('');
}
