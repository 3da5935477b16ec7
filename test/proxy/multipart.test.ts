// The strict multipart/form-data reader: what it reads, and every ambiguity it refuses rather than guess.
import { describe, expect, test } from 'bun:test'
import { formBoundary, MAX_PARTS, MultipartError, parseFormData, parseMediaType } from '../../src/proxy/multipart.ts'

const enc = (text: string) => new TextEncoder().encode(text)
const dec = (bytes: Uint8Array, part: { start: number; end: number }) => new TextDecoder().decode(bytes.subarray(part.start, part.end))

function read(body: string, boundary = 'b0undary') {
  const bytes = enc(body)
  return parseFormData(bytes, boundary).map((part) => ({ name: part.name, filename: part.filename, value: dec(bytes, part) }))
}

const refused = (body: string, boundary = 'b0undary') => expect(() => parseFormData(enc(body), boundary)).toThrow(MultipartError)

describe('Content-Type boundary', () => {
  test('token and quoted forms, any letter case, other parameters ignored', () => {
    expect(formBoundary('multipart/form-data; boundary=abc123')).toBe('abc123')
    expect(formBoundary('Multipart/Form-Data; charset=utf-8; BOUNDARY="a b:c"')).toBe('a b:c')
    expect(formBoundary('multipart/form-data;boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW')).toBe('----WebKitFormBoundary7MA4YWxkTrZu0gW')
  })

  test('the parameter name must be exactly "boundary", once, with valid characters', () => {
    for (const contentType of [
      'multipart/form-data; xboundary=abc',
      'multipart/form-data; boundary=abc; boundary=def',
      'multipart/form-data; boundary=""',
      'multipart/form-data; boundary="ends with space "',
      'multipart/form-data; boundary="back\\"slash"',
      `multipart/form-data; boundary=${'x'.repeat(71)}`,
      'multipart/form-data; boundary=abc junk',
      'multipart/mixed; boundary=abc',
      'multipart/form-data',
    ]) {
      expect(() => formBoundary(contentType)).toThrow(MultipartError)
    }
  })

  test('media type parameters parse as token or quoted-string, names lower-cased', () => {
    const media = parseMediaType('Text/Plain ; Charset=utf-8;format="flowed; yes"')
    expect(media.type).toBe('text/plain')
    expect([...media.params]).toEqual([
      ['charset', 'utf-8'],
      ['format', 'flowed; yes'],
    ])
    expect(() => parseMediaType('text/plain; charset="unterminated')).toThrow(MultipartError)
    expect(() => parseMediaType('text; charset=utf-8')).toThrow(MultipartError)
  })
})

describe('parts', () => {
  test('reads names, filenames and content ranges exactly', () => {
    const body =
      '--b0undary\r\nContent-Disposition: form-data; name="model"\r\n\r\ngpt-4o-transcribe\r\n' +
      '--b0undary\r\ncontent-disposition: form-data; name=file; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\nRIFF\r\n--not-it\r\n' +
      '--b0undary\r\nContent-Disposition: form-data; name="empty"\r\n\r\n\r\n--b0undary--\r\n'
    expect(read(body)).toEqual([
      { name: 'model', filename: undefined, value: 'gpt-4o-transcribe' },
      { name: 'file', filename: 'a.wav', value: 'RIFF\r\n--not-it' },
      { name: 'empty', filename: undefined, value: '' },
    ])
  })

  test('the finding: an unquoted name=model part is read like a quoted one', () => {
    const body =
      '--b0undary\r\nContent-Disposition: form-data; name=model\r\n\r\nwhisper-1\r\n' +
      '--b0undary\r\nContent-Disposition: form-data; name="model"\r\n\r\ngpt-4o-transcribe\r\n--b0undary--'
    expect(read(body).map((p) => [p.name, p.value])).toEqual([
      ['model', 'whisper-1'],
      ['model', 'gpt-4o-transcribe'],
    ])
  })

  test('the dash-boundary counts only at the start or after CRLF, and anywhere else is refused', () => {
    // The old scanner split here: "x--b0undary" inside a value.
    refused('--b0undary\r\nContent-Disposition: form-data; name="a"\r\n\r\nx--b0undary\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--b0undary--')
    // A look-alike boundary after CRLF (boundary plus more characters).
    refused('--b0undary\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--b0undaryX\r\n--b0undary--')
    // Transport padding after a delimiter: parsers disagree on it.
    refused('--b0undary \r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--b0undary--')
    refused('--b0undary\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--b0undary\t\r\nContent-Disposition: form-data; name="b"\r\n\r\nw\r\n--b0undary--')
  })

  test('no preamble, no epilogue, a closing boundary required', () => {
    refused('preamble\r\n--b0undary\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--b0undary--')
    refused('--b0undary\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--b0undary--\r\n--b0undary\r\nContent-Disposition: form-data; name="model"\r\n\r\no1-pro\r\n--b0undary--')
    refused('--b0undary\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n')
    refused('--b0undary\r\nContent-Disposition: form-data; name="a"\r\n\r\nv')
    expect(read('--b0undary\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--b0undary--\r\n')).toHaveLength(1)
  })

  test('part headers: one form-data disposition with one plain name, no folding, no bare LF, no encodings', () => {
    const part = (headers: string) => `--b0undary\r\n${headers}\r\n\r\nv\r\n--b0undary--`
    refused(part('Content-Disposition: form-data; name="model"; name="other"'))
    refused(part('Content-Disposition: form-data; name="a"\r\nContent-Disposition: form-data; name="model"'))
    refused(part('Content-Disposition: form-data; name*=UTF-8\'\'model'))
    refused(part('Content-Disposition: form-data; name="a"; filename*=UTF-8\'\'x.txt'))
    refused(part('Content-Disposition: form-data; name="mod\\"el"'))
    refused(part('Content-Disposition: form-data; name="mod%65l"'))
    refused(part('Content-Disposition: attachment; name="model"'))
    refused(part('Content-Disposition: form-data'))
    refused(part('Content-Type: text/plain'))
    refused(part('Content-Disposition: form-data;\r\n name="model"'))
    refused(part('Content-Disposition: form-data; name="a"\nX-Other: 1'))
    refused(part('Content-Disposition: form-data; name="model"\r\nContent-Transfer-Encoding: base64'))
    refused('--b0undary\r\n\r\nv\r\n--b0undary--')
    refused(part(`Content-Disposition: form-data; name="a"; x="${'y'.repeat(9000)}"`))
    expect(read(part('Content-Disposition: form-data; name="model"\r\nContent-Transfer-Encoding: 8bit'))[0]!.name).toBe('model')
  })

  test('a part with no content line before the next boundary is refused (parsers read it differently)', () => {
    refused('--b0undary\r\nContent-Disposition: form-data; name="model"\r\n\r\n--b0undary--')
  })

  test('the number of parts is bounded', () => {
    const one = '--b0undary\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n'
    expect(read(one.repeat(MAX_PARTS) + '--b0undary--')).toHaveLength(MAX_PARTS)
    refused(one.repeat(MAX_PARTS + 1) + '--b0undary--')
  })

  test('file contents are not copied: parts are ranges into the body', () => {
    const file = new Uint8Array(4 * 1024 * 1024).fill(0x61)
    const head = enc('--b0undary\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n')
    const tail = enc('\r\n--b0undary--')
    const body = new Uint8Array(head.length + file.length + tail.length)
    body.set(head)
    body.set(file, head.length)
    body.set(tail, head.length + file.length)
    const [part] = parseFormData(body, 'b0undary')
    expect(part).toEqual({ name: 'file', filename: 'big.bin', start: head.length, end: head.length + file.length })
  })
})
