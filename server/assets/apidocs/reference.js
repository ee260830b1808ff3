// The interactive API reference (/api/docs): renders /api/openapi.json and sends requests from the
// page ("Try it"), same origin. Served as a file (server/api/docs/[file].get.ts) so the page needs no
// inline script: it runs under the app's CSP. Every value from the document is set as text, never HTML.
(() => {
  const main = document.getElementById('reference')
  const el = (tag, props = {}, ...children) => {
    const node = document.createElement(tag)
    for (const [key, value] of Object.entries(props)) {
      if (key === 'text') node.textContent = value
      else if (key === 'on') for (const [type, handler] of Object.entries(value)) node.addEventListener(type, handler)
      else node.setAttribute(key, value)
    }
    for (const child of children) if (child) node.append(child)
    return node
  }
  let doc
  /** A schema with its `$ref`s resolved (cycles cut), for display. */
  const resolve = (schema, seen = new Set()) => {
    if (!schema || typeof schema !== 'object') return schema
    if (Array.isArray(schema)) return schema.map(s => resolve(s, seen))
    if (schema.$ref) {
      if (seen.has(schema.$ref)) return { $ref: schema.$ref }
      const name = schema.$ref.split('/').pop()
      return resolve(doc.components.schemas[name], new Set([...seen, schema.$ref]))
    }
    return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, resolve(v, seen)]))
  }
  const pretty = schema => el('pre', { text: JSON.stringify(resolve(schema), null, 2) })
  const token = el('input', { 'type': 'password', 'placeholder': 'Bearer token (optional: the session cookie is used otherwise)', 'aria-label': 'Bearer token', 'autocomplete': 'off' })

  function tryIt(method, path, operation) {
    const inputs = []
    const form = el('form', { class: 'try' })
    for (const p of operation.parameters ?? []) {
      const input = el('input', { 'name': p.name, 'aria-label': `${p.in} ${p.name}`, 'placeholder': `${p.name} (${p.in})${p.required ? ' *' : ''}` })
      inputs.push([p, input])
      form.append(input)
    }
    const json = operation.requestBody?.content?.['application/json']
    const body = json ? el('textarea', { 'rows': '4', 'aria-label': 'JSON body', 'spellcheck': 'false' }) : undefined
    if (body) {
      body.value = '{}'
      form.append(body)
    }
    const result = el('pre', { 'class': 'result', 'aria-live': 'polite' })
    form.append(el('button', { type: 'submit', text: `Send ${method.toUpperCase()}` }), result)
    form.addEventListener('submit', async (event) => {
      event.preventDefault()
      let url = path
      const query = new URLSearchParams()
      for (const [p, input] of inputs) {
        if (!input.value) continue
        if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(input.value))
        else if (p.in === 'query') query.set(p.name, input.value)
      }
      if ([...query].length) url += `?${query}`
      const headers = {}
      if (token.value) headers.authorization = `Bearer ${token.value}`
      if (body) headers['content-type'] = 'application/json'
      result.textContent = '…'
      try {
        const res = await fetch(url, { method: method.toUpperCase(), headers, body: body ? body.value : undefined, credentials: 'same-origin' })
        const type = res.headers.get('content-type') ?? ''
        const text = type.includes('json') || type.startsWith('text/') ? await res.text() : `(${type}, ${(await res.blob()).size} bytes)`
        let shown = text
        try { shown = JSON.stringify(JSON.parse(text), null, 2) }
        catch { /* not JSON */ }
        result.textContent = `${res.status} ${res.statusText}\n\n${shown}`
      }
      catch (error) {
        result.textContent = String(error)
      }
    })
    return el('details', {}, el('summary', { text: 'Try it' }), form)
  }

  function operationView(method, path, operation) {
    const open = Array.isArray(operation.security) && operation.security.length === 0
    const params = (operation.parameters ?? []).map(p => el('li', {},
      el('code', { text: p.name }), ` (${p.in}${p.required ? ', required' : ''}) `, el('code', { text: JSON.stringify(resolve(p.schema)) })))
    const content = operation.requestBody?.content ?? {}
    const responses = Object.entries(operation.responses).map(([status, response]) => {
      const media = Object.entries(response.content ?? {})[0]
      return el('div', { class: 'response' }, el('h4', { text: `${status} — ${media ? media[0] : 'no body'}` }), el('p', { text: response.description ?? '' }), media?.[1]?.schema ? pretty(media[1].schema) : undefined)
    })
    return el('details', { 'class': 'operation', 'data-search': `${method} ${path} ${operation.summary ?? ''}`.toLowerCase() },
      el('summary', {}, el('span', { class: `method ${method}`, text: method.toUpperCase() }), el('code', { text: path }), el('span', { class: 'summary', text: operation.summary ?? '' })),
      el('p', { class: 'auth', text: open ? 'No session needed' : 'Signed in: Bearer token or session cookie' }),
      params.length ? el('section', {}, el('h4', { text: 'Parameters' }), el('ul', {}, ...params)) : undefined,
      Object.keys(content).length ? el('section', {}, el('h4', { text: `Body (${Object.keys(content).join(', ')})` }), pretty(Object.values(content)[0].schema)) : undefined,
      el('section', {}, el('h4', { text: 'Responses' }), ...responses),
      tryIt(method, path, operation))
  }

  async function start() {
    doc = await (await fetch('/api/openapi.json')).json()
    document.title = `${doc.info.title} reference`
    const filter = el('input', { 'type': 'search', 'placeholder': 'Filter operations', 'aria-label': 'Filter operations' })
    main.replaceChildren(
      el('header', {}, el('h1', { text: doc.info.title }), el('p', { text: doc.info.description ?? '' }), el('p', {}, el('a', { href: '/api/openapi.json', text: 'openapi.json' }), ` · OpenAPI ${doc.openapi}`), filter, token),
    )
    const byTag = new Map()
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const tag = operation.tags?.[0] ?? 'other'
        if (!byTag.has(tag)) byTag.set(tag, [])
        byTag.get(tag).push(operationView(method, path, operation))
      }
    }
    for (const [tag, views] of byTag) main.append(el('section', { class: 'tag' }, el('h2', { text: tag }), ...views))
    filter.addEventListener('input', () => {
      const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean)
      for (const view of main.querySelectorAll('.operation')) view.hidden = !words.every(w => view.dataset.search.includes(w))
    })
  }
  start().catch((error) => { main.textContent = `Could not load /api/openapi.json: ${error}` })
})()
