package storage

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// backends runs the same suite on the local directory and on an S3 server speaking
// the real protocol (gofakes3) through minio-go.
func backends(t *testing.T) map[string]Blobs {
	local, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	backend := s3mem.New()
	if err := backend.CreateBucket("photos"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	s3, err := NewS3(context.Background(), S3Config{Endpoint: strings.TrimPrefix(srv.URL, "http://"), Bucket: "photos", Region: "us-east-1", AccessKey: "k", SecretKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]Blobs{"local": local, "s3": s3}
}

func TestBlobs(t *testing.T) {
	ctx := context.Background()
	for name, b := range backends(t) {
		t.Run(name, func(t *testing.T) {
			key := "photos/ab/abcdef.jpg"
			if ok, err := b.Exists(ctx, key); err != nil || ok {
				t.Fatalf("exists before put: %v %v", ok, err)
			}
			if _, err := b.Get(ctx, key); !errors.Is(err, ErrNotFound) {
				t.Fatalf("get missing: %v", err)
			}
			data := bytes.Repeat([]byte{0xff, 0xd8, 1, 2, 3}, 1000)
			if err := b.Put(ctx, key, data); err != nil {
				t.Fatal(err)
			}
			// A second put of the same content address is a no-op.
			if err := b.Put(ctx, key, data); err != nil {
				t.Fatal(err)
			}
			got, err := ReadAll(ctx, b, key)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read back %d bytes, err %v", len(got), err)
			}
			if err := b.Delete(ctx, key); err != nil {
				t.Fatal(err)
			}
			if ok, _ := b.Exists(ctx, key); ok {
				t.Fatal("exists after delete")
			}
			if err := b.Delete(ctx, key); err != nil {
				t.Fatalf("deleting a missing key: %v", err)
			}
		})
	}
}

func TestConcurrentPutsOfOneKey(t *testing.T) {
	ctx := context.Background()
	for name, b := range backends(t) {
		t.Run(name, func(t *testing.T) {
			data := []byte(strings.Repeat("x", 100000))
			var wg sync.WaitGroup
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := b.Put(ctx, "k/1", data); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			got, err := ReadAll(ctx, b, "k/1")
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("after concurrent puts: %d bytes, %v", len(got), err)
			}
		})
	}
}

func TestLocalRefusesEscapingKeys(t *testing.T) {
	l, _ := NewLocal(t.TempDir())
	for _, k := range []string{"../etc/passwd", "a/../../b", ""} {
		if err := l.Put(context.Background(), k, []byte("x")); err == nil {
			t.Errorf("key %q accepted", k)
		}
	}
}
