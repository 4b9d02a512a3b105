/**
 * Files: the invitation carried in `x.msg.new` / `x.file`, and the binary
 * chunk framing used on the dedicated file-transfer connections.
 *
 * @see ../shared/spec/chat.md §2.5, §4.5–§4.7
 */
import { DecodeError, Encoder, decodeAll } from '@simplex-ts/core'
import type { ConnReqInvitation } from './contact'
import { ChatEncodeError, FileChunkDecodeError } from './errors'
import {
  type JsonRecord,
  type Read,
  integerJson,
  objectJson,
  readInteger,
  readRecord,
  readText,
  textJson,
} from './fields'

/** An offered file (`FileInvitation`). */
export interface FileInvitation {
  /** Base name of the file. */
  readonly fileName: string
  /** Size in bytes. */
  readonly fileSize: number
  /** Link of the sender's file connection: direct chats only, absent in groups. */
  readonly fileConnReq?: ConnReqInvitation
}

/** Read a {@link FileInvitation} (`fileConnReq` absent or `null` is none). */
export const readFileInvitation: Read<FileInvitation> = readRecord((f) => {
  const fileName = f.req('fileName', readText)
  const fileSize = f.req('fileSize', readInteger)
  const fileConnReq = f.opt('fileConnReq', readText)
  return fileConnReq === undefined ? { fileName, fileSize } : { fileName, fileSize, fileConnReq }
})

/** The JSON of a {@link FileInvitation}, `fileConnReq` omitted when absent. */
export function fileInvitationJson(fi: FileInvitation, what = 'file'): JsonRecord {
  objectJson(fi, what)
  const o: JsonRecord = {
    fileName: textJson(fi.fileName, `${what}.fileName`),
    fileSize: integerJson(fi.fileSize, `${what}.fileSize`),
  }
  if (fi.fileConnReq !== undefined) o.fileConnReq = textJson(fi.fileConnReq, `${what}.fileConnReq`)
  return o
}

/**
 * The fixed chunk size of file transfers (`fileChunkSize`): every chunk but
 * the last has exactly this many bytes; it is not negotiated.
 */
export const FILE_CHUNK_SIZE = 15_780

/** One body on a file connection (`FileChunk`): a numbered chunk or the sender's cancel. */
export type FileChunk =
  | {
      readonly type: 'chunk'
      /** Chunk number, from 1 (a u32 on the wire). */
      readonly chunkNo: number
      /** The chunk's bytes (≤ {@link FILE_CHUNK_SIZE}). */
      readonly bytes: Uint8Array
    }
  | { readonly type: 'cancel' }

const CHUNK = 0x46 // 'F'
const CANCEL = 0x43 // 'C'

/**
 * Frame a file chunk: `'F' ‖ u32 chunkNo ‖ bytes`, or `'C'` for cancel.
 * @throws ChatEncodeError when `chunkNo` is not a u32.
 */
export function encodeFileChunk(chunk: FileChunk): Uint8Array {
  if (chunk.type === 'cancel') return Uint8Array.of(CANCEL)
  if (!Number.isInteger(chunk.chunkNo) || chunk.chunkNo < 0 || chunk.chunkNo > 0xffffffff) {
    throw new ChatEncodeError(`chunkNo must be a u32, got ${chunk.chunkNo}`)
  }
  if (!(chunk.bytes instanceof Uint8Array)) throw new ChatEncodeError('chunk bytes must be a Uint8Array')
  return new Encoder(5 + chunk.bytes.length).u8(CHUNK).u32(chunk.chunkNo).raw(chunk.bytes).finish()
}

/**
 * Parse a file-connection body. Chunk bytes are a view into `body`.
 * @throws FileChunkDecodeError on an empty body, an unknown tag, a short
 * chunk number or bytes after a cancel.
 */
export function decodeFileChunk(body: Uint8Array): FileChunk {
  try {
    return decodeAll(body, (d): FileChunk => {
      const tag = d.u8()
      if (tag === CANCEL) return { type: 'cancel' }
      if (tag !== CHUNK) return d.fail('bad FileChunk')
      const chunkNo = d.u32()
      return { type: 'chunk', chunkNo, bytes: d.tail() }
    })
  } catch (e) {
    if (e instanceof DecodeError) throw new FileChunkDecodeError(e.message, { cause: e })
    throw e
  }
}
