/**
 * The playground page: shows the local workspace (channels, messages, App Home, modals) and sends
 * what the user does (slash commands, messages, clicks, selections, modal submissions) to the
 * playground's receiver, which hands them to the real Bolt app. Refreshes on server-sent events.
 */
import { blocks, esc, mrkdwn } from './render.js';

const $ = (sel) => document.querySelector(sel);
let state = null;
let current = localStorage.getItem('certmedic.channel') || 'C0GENERAL0';
const seen = new Map();
let shownModal = '';
let shownModalId = '';
let modalErrors = {};
let elements = [];

async function post(path, body) {
  const res = await fetch(`/playground/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.json().catch(() => ({ ok: false, error: `HTTP ${res.status}` }));
}

function names() {
  const channels = Object.fromEntries(state.channels.map((c) => [c.id, c.name]));
  return { users: state.users, channels };
}

function register(el) {
  elements.push(el);
  return elements.length - 1;
}

function when(ts) {
  return new Date(Number(ts) * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function messageHtml(m, replies, n) {
  const isBot = m.user === state.bot.id;
  const isSlackbot = m.user === 'USLACKBOT';
  const who = isBot ? state.bot.name : (state.users[m.user] ?? m.user);
  const avatar = isBot ? '🩺' : isSlackbot ? '✱' : esc(who.slice(0, 1).toUpperCase());
  const ctx = { register, names: n };
  const body = m.blocks?.length ? blocks(m.blocks, ctx) : `<div class="mrkdwn">${mrkdwn(m.text, n)}</div>`;
  const attachments = (m.attachments ?? [])
    .map((a) => {
      const color = /^#?[0-9a-f]{6}$/i.test(a.color ?? '')
        ? `#${a.color.replace('#', '')}`
        : { good: '#2eb886', warning: '#daa038', danger: '#a30200' }[a.color] || '#dddddd';
      const inner = a.blocks?.length
        ? blocks(a.blocks, ctx)
        : `<div class="mrkdwn">${mrkdwn(a.text ?? a.fallback ?? '', n)}</div>`;
      return `<div class="attachment"><div class="bar" style="background:${color}"></div><div class="body">${inner}</div></div>`;
    })
    .join('');
  const thread = replies.length
    ? `<div class="replies">${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}</div><div class="thread">${replies
        .map((r) => messageHtml(r, [], n))
        .join('')}</div>`
    : '';
  return `<div class="msg${m.ephemeral ? ' ephemeral' : ''}" data-ts="${esc(m.ts)}" data-channel="${esc(m.channel)}">
    <div class="avatar ${isBot ? 'bot' : isSlackbot ? 'slackbot' : 'user'}">${avatar}</div>
    <div>${m.ephemeral ? '<div class="ephemeral-note">👁 Only visible to you</div>' : ''}
      <span class="who">${esc(who)}</span>${isBot ? '<span class="app-tag">APP</span>' : ''}<span class="when">${when(m.ts)}</span>
      <div class="content">${body}${attachments}</div>${thread}</div></div>`;
}

function renderSidebar() {
  $('#channel-list').innerHTML = state.channels
    .map((c) => {
      const unread = c.messages.length - (seen.get(c.id) ?? c.messages.length);
      const badge = unread > 0 && c.id !== current ? `<span class="badge">${unread}</span>` : '';
      return `<button type="button" data-channel="${esc(c.id)}" class="nav-item${c.id === current ? ' active' : ''}"># ${esc(c.name)}${badge}</button>`;
    })
    .join('');
  $('#home-link').classList.toggle('active', current === 'home');
}

function renderMain() {
  const box = $('#messages');
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  elements = [];
  const n = names();
  if (current === 'home') {
    $('#title').innerHTML = 'certmedic <span class="title-sub">App Home</span>';
    box.innerHTML = state.home
      ? `<div class="msg" data-view="${esc(state.home.id)}"><div></div><div>${blocks(state.home.blocks, { register, names: n })}</div></div>`
      : '<div class="empty">The app has not published a Home view yet.</div>';
    $('#composer').hidden = true;
    return;
  }
  $('#composer').hidden = false;
  const channel = state.channels.find((c) => c.id === current) ?? state.channels[0];
  current = channel.id;
  seen.set(channel.id, channel.messages.length);
  $('#title').innerHTML =
    `# ${esc(channel.name)} <span class="title-sub">${channel.name === 'alerts' ? 'proactive alerts land here' : 'type a slash command below'}</span>`;
  $('#composer-input').placeholder = `Message #${channel.name} — try /cert diagnose example.com`;
  const top = channel.messages.filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  box.innerHTML = top.length
    ? top
        .map((m) =>
          messageHtml(
            m,
            channel.messages.filter((r) => r.thread_ts === m.ts && r.ts !== m.ts),
            n,
          ),
        )
        .join('')
    : `<div class="empty">This is the very beginning of #${esc(channel.name)}.</div>`;
  if (atBottom || box.dataset.channel !== channel.id) box.scrollTop = box.scrollHeight;
  box.dataset.channel = channel.id;
}

function renderModal() {
  const modal = state.modals.at(-1);
  if ((modal?.id ?? '') !== shownModalId) modalErrors = {};
  shownModalId = modal?.id ?? '';
  const key = modal ? `${modal.id}:${modal.hash}:${JSON.stringify(modalErrors)}` : '';
  if (key === shownModal) return;
  shownModal = key;
  if (!modal) {
    $('#modal-root').innerHTML = '';
    return;
  }
  const ctx = { register, names: names(), errors: modalErrors };
  const close = modal.close?.text ?? 'Cancel';
  $('#modal-root').innerHTML = `<div class="overlay"><div class="modal" role="dialog" data-view="${esc(modal.id)}">
    <header>${esc(modal.title?.text ?? '')}<button class="x" data-close="1" aria-label="Close">×</button></header>
    <div class="modal-error">${modalErrors._ ? esc(modalErrors._) : ''}</div>
    <div class="body">${blocks(modal.blocks, ctx)}</div>
    <footer><button class="btn" data-close="1">${esc(close)}</button>${
      modal.submit ? `<button class="btn primary submit" data-submit="1">${esc(modal.submit.text)}</button>` : ''
    }</footer></div></div>`;
}

function render() {
  renderSidebar();
  renderMain();
  renderModal();
}

async function refresh() {
  const res = await fetch('/playground/state');
  state = await res.json();
  render();
}

/** readState collects the values of a container's inputs: block_id -> action_id -> value. */
function readState(root) {
  const out = {};
  for (const node of root.querySelectorAll('[data-el]')) {
    const el = elements[Number(node.dataset.el)];
    if (!el || el.type === 'button') continue;
    let value;
    if (node.dataset.choice) {
      const checked = [...node.querySelectorAll('input:checked')].map((i) => i.value);
      value = node.dataset.choice === 'radio' ? (checked[0] ?? null) : checked;
    } else if (node.multiple) value = [...node.selectedOptions].map((o) => o.value).filter(Boolean);
    else value = node.value === '' ? null : node.value;
    out[node.dataset.block] ??= {};
    out[node.dataset.block][node.dataset.action] = value;
  }
  return out;
}

function confirmFirst(confirm) {
  if (!confirm) return Promise.resolve(true);
  return new Promise((resolve) => {
    const n = names();
    const body = confirm.text?.type === 'mrkdwn' ? mrkdwn(confirm.text.text, n) : esc(confirm.text?.text ?? '');
    const danger = confirm.style === 'danger' ? ' danger solid' : ' primary';
    $('#confirm-root').innerHTML = `<div class="overlay"><div class="modal confirm" role="alertdialog">
      <header>${esc(confirm.title?.text ?? 'Are you sure?')}</header><div class="body mrkdwn">${body}</div>
      <footer><button class="btn" data-answer="no">${esc(confirm.deny?.text ?? 'Cancel')}</button>
      <button class="btn${danger}" data-answer="yes">${esc(confirm.confirm?.text ?? 'Yes')}</button></footer></div></div>`;
    $('#confirm-root').onclick = (e) => {
      const answer = e.target.closest('[data-answer]')?.dataset.answer;
      if (!answer) return;
      $('#confirm-root').innerHTML = '';
      resolve(answer === 'yes');
    };
  });
}

/** act sends a click or selection on element node to the app. */
async function act(node, value) {
  const el = elements[Number(node.dataset.el)];
  if (!el || !(await confirmFirst(el.confirm))) return;
  if (el.type === 'button' && el.url) window.open(el.url, '_blank', 'noopener');
  const modal = node.closest('[data-view]');
  const msg = node.closest('[data-ts]');
  const body = { block_id: node.dataset.block, action_id: node.dataset.action, value };
  if (modal) Object.assign(body, { view_id: modal.dataset.view, state: readState(modal) });
  else if (msg) Object.assign(body, { channel: msg.dataset.channel, ts: msg.dataset.ts });
  else return;
  node.disabled = true;
  try {
    await post('action', body);
  } finally {
    node.disabled = false;
  }
}

async function submitModal(modalNode) {
  const values = readState(modalNode);
  const errors = {};
  for (const block of modalNode.querySelectorAll('[data-input-block]')) {
    if (block.dataset.optional === '1') continue;
    const v = Object.values(values[block.dataset.inputBlock] ?? {})[0];
    if (v === null || v === undefined || (Array.isArray(v) && v.length === 0))
      errors[block.dataset.inputBlock] = 'Please complete this required field.';
  }
  if (Object.keys(errors).length === 0) {
    const out = await post('submit', { view_id: modalNode.dataset.view, state: values });
    if (out.errors) Object.assign(errors, out.errors);
    else if (!out.ok) errors._ = `We had some trouble connecting (${out.error}). Try again?`;
  }
  modalErrors = errors;
  shownModal = null;
  await refresh();
}

document.addEventListener('click', async (e) => {
  const t = e.target;
  const channel = t.closest('#sidebar [data-channel]');
  if (channel) {
    current = channel.dataset.channel;
    localStorage.setItem('certmedic.channel', current);
    return render();
  }
  if (t.closest('#home-link')) {
    current = 'home';
    render();
    return post('home', {});
  }
  const fill = t.closest('[data-fill]');
  if (fill) {
    $('#composer-input').value = fill.dataset.fill;
    return $('#composer-input').focus();
  }
  if (t.closest('[data-close]')) {
    const view = t.closest('[data-view]').dataset.view;
    modalErrors = {};
    return post('close', { view_id: view }).then(refresh);
  }
  if (t.closest('[data-submit]')) return submitModal(t.closest('[data-view]'));
  const button = t.closest('button[data-el]');
  if (button) return act(button, null);
});

document.addEventListener('change', (e) => {
  const node = e.target.closest('[data-el]');
  if (!node || node.closest('[data-input-block]')) return;
  const el = elements[Number(node.dataset.el)];
  if (!el || el.type === 'button') return;
  const value = readState(node.parentElement)[node.dataset.block]?.[node.dataset.action] ?? null;
  act(node, value);
});

$('#composer-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = $('#composer-input');
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  await post('command', { channel: current, text });
});

function listen() {
  const source = new EventSource('/playground/events');
  let timer;
  source.addEventListener('change', () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 30);
  });
  source.onerror = () => setTimeout(refresh, 2000);
}

refresh().then(listen);
