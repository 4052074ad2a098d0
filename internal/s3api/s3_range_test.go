package s3api

import "testing"

func TestByteRange(t *testing.T) {
	for _, c := range []struct {
		h             string
		size          int64
		start, length int64
		partial, bad  bool
	}{
		{"", 10, 0, 10, false, false},
		{"bytes=0-4", 10, 0, 5, true, false},
		{"bytes=5-", 10, 5, 5, true, false},
		{"bytes=-3", 10, 7, 3, true, false},
		{"bytes=-30", 10, 0, 10, true, false},
		{"bytes=8-100", 10, 8, 2, true, false},
		{"bytes=10-", 10, 0, 0, false, true},
		{"bytes=-0", 10, 0, 0, false, true},
		{"bytes=4-2", 10, 0, 10, false, false},
		{"bytes=0-1,3-4", 10, 0, 10, false, false},
		{"items=0-1", 10, 0, 10, false, false},
		{"bytes=x-y", 10, 0, 10, false, false},
		{"bytes=0-0", 0, 0, 0, false, true},
	} {
		start, length, partial, err := byteRange(c.h, c.size)
		if (err != nil) != c.bad || start != c.start || length != c.length || partial != c.partial {
			t.Errorf("%q of %d: %d+%d partial %v err %v", c.h, c.size, start, length, partial, err)
		}
	}
}

// FuzzByteRange: any Range header gives a range inside the object or an
// error, never a panic.
func FuzzByteRange(f *testing.F) {
	for _, s := range []string{"bytes=0-4", "bytes=-3", "bytes=5-", "bytes=9999999999999999999-", "bytes=-9223372036854775808"} {
		f.Add(s, int64(10))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			size = -size
		}
		if size < 0 {
			return
		}
		start, length, partial, err := byteRange(h, size)
		if err != nil {
			return
		}
		if start < 0 || length < 0 || start+length > size || (!partial && (start != 0 || length != size)) {
			t.Fatalf("%q of %d: %d+%d partial %v", h, size, start, length, partial)
		}
	})
}
