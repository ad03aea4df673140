package attest

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"
)

// FuzzVerify feeds Verify arbitrary envelope JSON. It must never panic, and
// it may succeed only for a payload the test's keys really signed: anything
// else verifying would be a forgery.
func FuzzVerify(f *testing.F) {
	keys := newKeyFiles(f)
	var verifiers []*Verifier
	signed := map[string]bool{}
	for _, p := range []string{keys.ed25519, keys.p256} {
		s, err := LoadPrivateKey(p)
		if err != nil {
			f.Fatal(err)
		}
		verifiers = append(verifiers, s.Verifier())
		env, err := Sign(gateStatement(), s)
		if err != nil {
			f.Fatal(err)
		}
		payload, _ := decodeB64(env.Payload)
		signed[string(payload)] = true
		raw, _ := json.Marshal(env)
		f.Add(raw)
	}
	other, err := GenerateKey(Ed25519, filepath.Join(keys.dir, "fuzz.pem"), filepath.Join(keys.dir, "fuzz.pub"))
	if err != nil {
		f.Fatal(err)
	}
	forged, _ := Sign(gateStatement(), other)
	raw, _ := json.Marshal(forged)
	f.Add(raw)
	unsigned, _ := Unsigned(gateStatement())
	raw, _ = json.Marshal(unsigned)
	f.Add(raw)
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"","signatures":[{"keyid":"","sig":""}]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))

	f.Fuzz(func(t *testing.T, data []byte) {
		var env *Envelope
		if json.Unmarshal(data, &env) != nil {
			return
		}
		for _, v := range verifiers {
			st, err := Verify(env, v)
			if err != nil {
				continue
			}
			payload, _ := decodeB64(env.Payload)
			if !signed[string(payload)] || env.PayloadType != PayloadType {
				t.Fatalf("Verify accepted a payload nobody signed with key %s: %q", v.KeyID(), payload)
			}
			want, _ := json.Marshal(gateStatement())
			got, _ := json.Marshal(st)
			if !bytes.Equal(want, got) {
				t.Fatalf("Verify returned %s, want the signed statement %s", got, want)
			}
		}
	})
}

// FuzzCosignV2Layer feeds the reader of cosign v2's .att layers arbitrary
// layer bytes and annotations (a certificate, a Rekor bundle): anyone who
// can push writes them. It must never panic, and a keyless layer it reads
// must carry the envelope it was given.
func FuzzCosignV2Layer(f *testing.F) {
	env, _ := Unsigned(gateStatement())
	raw, _ := json.Marshal(env)
	cert := "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIBATAKBggqhkjOPQQDAjAAMB4XDTI2MDEwMTAwMDAwMFoX\n-----END CERTIFICATE-----\n"
	rekor := `{"SignedEntryTimestamp":"MEUCIQ==","Payload":{"body":"eyJraW5kIjoiZHNzZSIsImFwaVZlcnNpb24iOiIwLjAuMSJ9","integratedTime":1,"logIndex":2,"logID":"abcd"}}`
	f.Add(raw, "", "")
	f.Add(raw, cert, rekor)
	f.Add([]byte(`{"payload":"eyJ9","payloadType":"x","signatures":[{"sig":"!!"}]}`), cert, `{"Payload":{"body":"%%"}}`)
	f.Add([]byte(`null`), cert, `[]`)
	f.Fuzz(func(t *testing.T, body []byte, certPEM, bundle string) {
		anns := map[string]string{cosignAnnotationCertificate: certPEM, cosignAnnotationBundle: bundle}
		env, b, err := cosignV2Layer(body, anns)
		if err != nil {
			return
		}
		if env == nil {
			t.Fatal("no error and no envelope")
		}
		if b != nil {
			payload, _ := decodeB64(env.Payload)
			if !bytes.Equal(b.GetDsseEnvelope().GetPayload(), payload) || b.GetDsseEnvelope().GetPayloadType() != env.PayloadType {
				t.Fatalf("the bundle carries another envelope than the layer's")
			}
		}
	})
}
