// Export: a CSV of exactly the rows a table shows, made in the page (no second query), downloaded as a file.
import { h } from './dom.ts'

export function toCsv(headers: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  const cell = (value: string | number | null | undefined) => {
    const text = value === null || value === undefined ? '' : String(value)
    // Quoted when needed; a leading =, +, - or @ is prefixed so a spreadsheet does not run it as a formula.
    const safe = /^[=+\-@]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text
    return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
  }
  return [headers, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n'
}

export function csvButton(filename: string, headers: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): HTMLElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      'data-testid': 'export-csv',
      onclick: () => {
        const url = URL.createObjectURL(new Blob([toCsv(headers, rows)], { type: 'text/csv' }))
        const link = h('a', { href: url, download: filename })
        document.body.appendChild(link)
        link.click()
        link.remove()
        setTimeout(() => URL.revokeObjectURL(url), 1000)
      },
    },
    'Export CSV',
  )
}
