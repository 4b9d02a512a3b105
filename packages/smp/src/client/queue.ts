/**
 * What a recipient and a notifier hold for a queue: ids, keys and the DH
 * secrets shared with the relay. Plain records, so an application can store
 * them and hand them back to a new client after a restart.
 *
 * @see ../shared/spec/smp.md §1, §8.1, §10
 */
import type { KeyPair, SignAlg } from '@simplex-ts/core'
import type { PrivateSignKey, PublicDhKey } from '../keys'

/** The minimum a recipient needs to use a queue: its id, the key that signs its commands, the delivery secret. */
export interface RecipientCredentials {
  /** Recipient id (`RID`). */
  readonly rcvId: Uint8Array
  /** The recipient key registered by `NEW` (signs `SUB`, `KEY`, `ACK`, `GET`, `OFF`, `DEL`, `NKEY`, `NDEL`). */
  readonly rcvAuthKey: PrivateSignKey
  /** `X25519(rcvDhKey, srvDhKey)`: decrypts the messages the relay delivers on this queue. */
  readonly rcvDhSecret: Uint8Array
}

/** A queue created with `createQueue`: everything `NEW`/`IDS` established. */
export interface SmpQueue extends RecipientCredentials {
  /** Sender id (`SID`): what the sender addresses `SEND` to (part of the queue URI). */
  readonly sndId: Uint8Array
  /** The recipient key pair (Ed25519 or Ed448). */
  readonly rcvAuthKey: KeyPair<SignAlg>
  /** The recipient's X25519 key pair for the relay's delivery encryption. */
  readonly rcvDhKey: KeyPair<'x25519'>
  /** The relay's per-queue X25519 key from `IDS`. */
  readonly srvDhKey: PublicDhKey
}

/** What `NKEY`/`NID` established: the notifier id and the recipient's side of the notification secret. */
export interface QueueNotifier {
  /** Notifier id (`NID`), for `NSUB`. */
  readonly notifierId: Uint8Array
  /** The relay's X25519 key from `NID`. */
  readonly srvNtfDhKey: PublicDhKey
  /** The recipient's X25519 key pair sent in `NKEY`. */
  readonly rcvNtfDhKey: KeyPair<'x25519'>
  /** `X25519(rcvNtfDhKey, srvNtfDhKey)`: decrypts `NMSG` metadata (`decryptNMsgMeta`). */
  readonly rcvNtfDhSecret: Uint8Array
}

/** What a notifier (normally a notification server) holds to subscribe to a queue's notifications. */
export interface NotifierCredentials {
  /** Notifier id from `NID`. */
  readonly notifierId: Uint8Array
  /** The private half of the notifier key given to `NKEY` (signs `NSUB`). */
  readonly notifierKey: PrivateSignKey
}
