// Exercise 08: key rotation, picked up without a restart (workshop/README.md, "08 key_rotation").
//
// An issuer signs tokens with a private key and publishes the public half in its key set (JWKS);
// the API finds the key by the token's `kid`. Issuers change keys now and then. The check runs
// an issuer whose key set you control (`KeySetServer`) and an API trusting it. Tokens signed
// with `old` work. Rotate: from now on the issuer signs with `new`. Publish the key set so that
// the running API accepts tokens signed with `new` — and, during the change-over, still those
// signed with `old`. The API is not restarted.

use hello_workshop::{KeySetServer, SigningKey};

pub fn rotate(key_set: &KeySetServer, old: &SigningKey, new: &SigningKey) {
    key_set.publish(vec![new.public_jwk().clone(), old.public_jwk().clone()]);
}
