package blob

import (
	"bufio"
	"bytes"
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The crash test runs TestCrashHelper in a child process of the test
// binary; these variables tell the child where to write and what.
const (
	crashDirEnv  = "PODIAM_BLOB_CRASH_DIR"
	crashSeedEnv = "PODIAM_BLOB_CRASH_SEED"
)

const (
	crashRounds   = 8
	crashMinAcks  = 3 // commits acknowledged before the kill is armed
	crashMaxBlob  = 256 << 10
	crashWatchdog = 5 * time.Second // per round; a healthy round takes well under a second
)

// crashBlob is the content of blob seq of the child seeded with seed.
func crashBlob(seed, seq uint64) []byte {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[0:], seed)
	binary.LittleEndian.PutUint64(key[8:], seq)
	src := rand.NewChaCha8(key)
	b := make([]byte, rand.New(src).IntN(crashMaxBlob+1))
	src.Read(b)
	return b
}

// TestCrashHelper is the child of TestCrash: it commits blobs in a loop
// and prints "seq id" for each only after Commit returned, until it is
// killed. Run alone it does nothing.
func TestCrashHelper(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("the child process of TestCrash")
	}
	seed, err := strconv.ParseUint(os.Getenv(crashSeedEnv), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(Config{Dir: dir, Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	for seq := range uint64(100_000) {
		w, err := s.Create()
		if err != nil {
			t.Fatal(err)
		}
		writeChunks(t, w, crashBlob(seed, seq), 8<<10)
		id, err := w.Commit()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fmt.Fprintf(os.Stdout, "%d %s\n", seq, id); err != nil {
			return // the parent is gone
		}
	}
}

// ack is a blob the child acknowledged.
type ack struct{ seed, seq uint64 }

// TestCrash kills a process that is writing blobs with SIGKILL at a
// random moment, several times over one directory, then checks that every
// blob whose id the process printed (after its Commit returned) is whole,
// and that Sweep removes what the kills left behind. A kill -9 loses no
// page cache, so this checks the protocol (nothing acknowledged is
// partial or missing, nothing unacknowledged is kept), not the fsyncs
// against power loss.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	var seedBytes [8]byte
	crand.Read(seedBytes[:])
	seed := binary.LittleEndian.Uint64(seedBytes[:])
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 0))

	acks := map[string]ack{}
	for round := range crashRounds {
		childSeed := r.Uint64()
		lines, armedAt := crashRound(t, dir, childSeed, r)
		t.Logf("round %d: kill armed after %d acknowledgements, %d printed", round, armedAt, len(lines))
		if len(lines) < crashMinAcks {
			t.Fatalf("round %d: the child acknowledged %d blobs before the watchdog, want at least %d", round, len(lines), crashMinAcks)
		}
		for id, a := range parseAcks(t, childSeed, lines) {
			if _, dup := acks[id]; dup {
				t.Fatalf("id %s acknowledged twice", id)
			}
			acks[id] = a
		}
	}

	s, err := Open(Config{Dir: dir, Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	for id, a := range acks {
		if got, want := get(t, s, id), crashBlob(a.seed, a.seq); !bytes.Equal(got, want) {
			t.Errorf("blob %s (seed %d, seq %d): %d bytes, want %d and equal", id, a.seed, a.seq, len(got), len(want))
		}
	}
	t.Logf("left by the kills: %d temporary files, %d blobs not acknowledged", len(files(t, s.tmp)), len(blobIDs(t, s))-len(acks))
	removed, err := s.Sweep(func(id string) bool { _, ok := acks[id]; return ok })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d blobs acknowledged; Sweep removed %d leftovers", len(acks), removed)
	// Each kill interrupts at most one blob: a temporary file, or a blob
	// committed but not yet acknowledged.
	if removed > crashRounds {
		t.Errorf("Sweep removed %d, want at most %d (one per kill)", removed, crashRounds)
	}
	if got := files(t, s.tmp); len(got) > 0 {
		t.Errorf("tmp holds %q after Sweep", got)
	}
	want := make([]string, 0, len(acks))
	for id := range acks {
		want = append(want, id)
	}
	slices.Sort(want)
	if got := blobIDs(t, s); !slices.Equal(got, want) {
		t.Errorf("after Sweep data holds %d blobs, want the %d acknowledged", len(got), len(want))
	}
}

// crashRound runs one child writing into dir and kills it with SIGKILL
// at a random moment after crashMinAcks acknowledgements plus a random
// number more: it then waits a random part of the time one commit takes,
// so the kill lands anywhere in a commit (writing, fsync, rename, the
// directory fsyncs, or printing). The watchdog only bounds a stuck child;
// nothing depends on its timing. It returns the lines the child printed
// and after how many the kill was armed.
func crashRound(t *testing.T, dir string, seed uint64, r *rand.Rand) (lines []string, armedAt int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashSeedEnv+"="+strconv.FormatUint(seed, 10))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	kill := func() { cmd.Process.Kill() } // SIGKILL on Unix
	watchdog := time.AfterFunc(crashWatchdog, kill)
	defer watchdog.Stop()

	armedAt = crashMinAcks + r.IntN(8)
	var first time.Time
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		switch len(lines) {
		case 1:
			first = time.Now()
		case armedAt:
			perCommit := time.Since(first) / time.Duration(armedAt-1)
			time.AfterFunc(time.Duration(r.Int64N(int64(perCommit)+1)), kill)
		}
	}
	err = cmd.Wait()
	if cmd.ProcessState == nil || cmd.ProcessState.Exited() {
		t.Fatalf("the child ended by itself (%v), not by the kill:\nstdout:\n%s\nstderr:\n%s", err, strings.Join(lines, "\n"), stderr.Bytes())
	}
	return lines, armedAt
}

// parseAcks parses the lines the child seeded with seed printed: "seq id",
// seq counting from 0. A last line cut short by the kill is not an ack.
func parseAcks(t *testing.T, seed uint64, lines []string) map[string]ack {
	t.Helper()
	out := map[string]ack{}
	for i, line := range lines {
		var seq uint64
		var id string
		n, _ := fmt.Sscanf(line, "%d %s", &seq, &id)
		ok := n == 2 && validID(id) && line == fmt.Sprintf("%d %s", seq, id) && seq == uint64(i)
		if !ok {
			if i == len(lines)-1 {
				continue
			}
			t.Fatalf("child line %d: %q, want \"%d <id>\"", i, line, i)
		}
		out[id] = ack{seed, seq}
	}
	return out
}
