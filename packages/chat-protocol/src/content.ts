/**
 * Message content (`MsgContent`), tagged by `type`: text, link with preview,
 * image with a small preview, file, and any other type kept verbatim.
 *
 * @see ../shared/spec/chat.md §2.4
 */
import { ChatEncodeError } from './errors'
import {
  type Fields,
  type JsonRecord,
  type Read,
  invalid,
  isObject,
  objectJson,
  readObject,
  readRecord,
  readText,
  textJson,
} from './fields'
import { type JsonObject, type JsonValue, writeJson } from './json'

/** A link preview, all fields required (`LinkPreview`). */
export interface LinkPreview {
  /** The previewed URI. */
  readonly uri: string
  /** Page title. */
  readonly title: string
  /** Page description. */
  readonly description: string
  /** Preview image as a `data:image/…;base64,…` URI. */
  readonly image: string
}

/** Plain text (`MCText`, `"type":"text"`). */
export interface MCText {
  readonly type: 'text'
  /** The text, possibly with in-text formatting (chat.md §6). */
  readonly text: string
}

/** Text with a link preview (`MCLink`, `"type":"link"`). */
export interface MCLink {
  readonly type: 'link'
  /** The text containing the link. */
  readonly text: string
  /** Preview of the link. */
  readonly preview: LinkPreview
}

/** An image: caption and a small preview; the full image travels as a file (`MCImage`). */
export interface MCImage {
  readonly type: 'image'
  /** Caption, may be empty. */
  readonly text: string
  /** Preview as a `data:image/jpg;base64,…` URI. */
  readonly image: string
}

/** A file message; the file is described by the container's `file` (`MCFile`). */
export interface MCFile {
  readonly type: 'file'
  /** Caption, may be empty. */
  readonly text: string
}

/**
 * Content of a type this protocol version does not know (`MCUnknown`). The
 * whole object is kept and written back as received (keys sorted).
 */
export interface MCUnknown {
  readonly type: 'unknown'
  /** The wire `type` (never `text`, `link`, `image` or `file`, never containing a space). */
  readonly tag: string
  /** The object's `text`, or {@link UNKNOWN_MSG_TYPE} when it has none. */
  readonly text: string
  /** The complete content object as received, `type` included. */
  readonly json: JsonObject
}

/** Message content of an `x.msg.new` or `x.msg.update`, or quoted in a reply. */
export type MsgContent = MCText | MCLink | MCImage | MCFile | MCUnknown

/** Text the reference shows for unknown content without `text`. */
export const UNKNOWN_MSG_TYPE = 'unknown message type'

const KNOWN_TYPES: readonly string[] = ['text', 'link', 'image', 'file']

function readLinkPreviewFields(f: Fields): LinkPreview {
  return {
    uri: f.req('uri', readText),
    title: f.req('title', readText),
    description: f.req('description', readText),
    image: f.req('image', readText),
  }
}

/** Read a {@link LinkPreview}. */
export const readLinkPreview: Read<LinkPreview> = readRecord(readLinkPreviewFields)

/** Read {@link MsgContent} as the reference does (unknown types kept, extra keys of known types ignored). */
export const readMsgContent: Read<MsgContent> = (v, path) => {
  const obj = readObject(v, path)
  return readRecord((f): MsgContent => {
    const type = f.req('type', readText)
    // the reference parses the tag up to the first space and then insists on end of input
    if (type.includes(' ')) invalid(f.at('type'), `bad MsgContentType ${JSON.stringify(type)}`)
    switch (type) {
      case 'text':
        return { type: 'text', text: f.req('text', readText) }
      case 'link':
        return { type: 'link', text: f.req('text', readText), preview: f.req('preview', readLinkPreview) }
      case 'image':
        return { type: 'image', text: f.req('text', readText), image: f.req('image', readText) }
      case 'file':
        return { type: 'file', text: f.req('text', readText) }
      default:
        return { type: 'unknown', tag: type, text: f.opt('text', readText) ?? UNKNOWN_MSG_TYPE, json: obj }
    }
  })(obj, path)
}

/**
 * Read message content from a JSON value, e.g. to build an {@link MCUnknown}
 * for a content type of a newer protocol version.
 * @throws ChatDecodeError when the reference would reject the object.
 */
export function decodeMsgContent(value: JsonValue): MsgContent {
  return readMsgContent(value, '$')
}

/**
 * The JSON text of message content as the reference writes it inside
 * `params` (keys sorted), e.g. to store it.
 * @throws ChatEncodeError when an {@link MCUnknown} is inconsistent or reuses a known tag.
 */
export function encodeMsgContent(c: MsgContent): string {
  return writeJson(msgContentJson(c))
}

/** The text of any content (for display, quoting and notifications). */
export function msgContentText(c: MsgContent): string {
  return c.text
}

/**
 * The JSON of {@link MsgContent}.
 * @throws ChatEncodeError when an {@link MCUnknown} is inconsistent or reuses a known tag.
 */
export function msgContentJson(c: MsgContent, what = 'content'): JsonValue {
  objectJson(c, what)
  switch (c.type) {
    case 'text':
    case 'file':
      return { type: c.type, text: textJson(c.text, `${what}.text`) }
    case 'link': {
      const p = objectJson(c.preview, `${what}.preview`)
      const preview: JsonRecord = {
        uri: textJson(p.uri, `${what}.preview.uri`),
        title: textJson(p.title, `${what}.preview.title`),
        description: textJson(p.description, `${what}.preview.description`),
        image: textJson(p.image, `${what}.preview.image`),
      }
      return { type: 'link', text: textJson(c.text, `${what}.text`), preview }
    }
    case 'image':
      return {
        type: 'image',
        text: textJson(c.text, `${what}.text`),
        image: textJson(c.image, `${what}.image`),
      }
    case 'unknown':
      return unknownContentJson(c, what)
    default:
      throw new ChatEncodeError(
        `${what}: unknown MsgContent type ${JSON.stringify((c as { type: unknown }).type)}`,
      )
  }
}

function unknownContentJson(c: MCUnknown, what: string): JsonObject {
  const tag = textJson(c.tag, `${what}.tag`)
  if (KNOWN_TYPES.includes(tag) || tag.includes(' ')) {
    throw new ChatEncodeError(`${what}: unknown content cannot use the tag ${JSON.stringify(tag)}`)
  }
  if (!isObject(c.json) || c.json.type !== tag) {
    throw new ChatEncodeError(`${what}: json.type must equal the tag ${JSON.stringify(tag)}`)
  }
  const text = Object.hasOwn(c.json, 'text') ? c.json.text : undefined
  if (text !== undefined && text !== null && typeof text !== 'string') {
    throw new ChatEncodeError(`${what}: json.text must be a string`)
  }
  if ((typeof text === 'string' ? text : UNKNOWN_MSG_TYPE) !== c.text) {
    throw new ChatEncodeError(`${what}: text must equal json.text`)
  }
  return c.json
}
