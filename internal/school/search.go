package school

import (
	"sort"
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"
	"golang.org/x/text/unicode/norm"
)

// index is an immutable search structure over the active schools; a refresh builds a new one.
type index struct {
	entries []indexEntry
	byID    map[string]*School
}

type indexEntry struct {
	school   School
	name     string   // normalised name
	aliases  []string // normalised aliases
	initials string   // pinyin initials of the name, e.g. zgsydxhd
	fullPY   string   // full pinyin of the name, e.g. zhongguoshiyoudaxuehuadong
}

func newIndex(schools []School) *index {
	idx := &index{entries: make([]indexEntry, 0, len(schools)), byID: make(map[string]*School, len(schools))}
	args := pinyin.NewArgs()
	args.Style = pinyin.Normal
	args.Fallback = func(r rune, a pinyin.Args) []string {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return []string{string(unicode.ToLower(r))}
		}
		return nil
	}
	for _, s := range schools {
		e := indexEntry{school: s, name: Normalize(s.Name)}
		for _, a := range s.Aliases() {
			e.aliases = append(e.aliases, Normalize(a))
		}
		var ini, full strings.Builder
		for _, syl := range pinyin.LazyPinyin(s.Name, args) {
			if syl == "" {
				continue
			}
			ini.WriteByte(syl[0])
			full.WriteString(syl)
		}
		e.initials, e.fullPY = ini.String(), full.String()
		idx.entries = append(idx.entries, e)
	}
	for i := range idx.entries {
		idx.byID[idx.entries[i].school.ID] = &idx.entries[i].school
	}
	return idx
}

// Normalize folds full-width to half-width (NFKC), lower-cases, and drops spaces and
// punctuation, so "中国石油大学（华东）", "中国石油大学(华东)" and "中国 石油大学 华东" compare equal.
func Normalize(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Ranks, best first.
const (
	rankExact = iota
	rankPrefix
	rankAliasExact
	rankAlias
	rankSubstring
	rankPinyin
	rankNone
)

func (e *indexEntry) rank(q string) int {
	switch {
	case e.name == q:
		return rankExact
	case strings.HasPrefix(e.name, q):
		return rankPrefix
	}
	best := rankNone
	for _, a := range e.aliases {
		if a == q {
			return rankAliasExact
		}
		if strings.HasPrefix(a, q) {
			best = rankAlias
		}
	}
	if best != rankNone {
		return best
	}
	if strings.Contains(e.name, q) {
		return rankSubstring
	}
	for _, a := range e.aliases {
		if strings.Contains(a, q) {
			return rankSubstring
		}
	}
	if isASCII(q) && (strings.HasPrefix(e.initials, q) || strings.HasPrefix(e.fullPY, q)) {
		return rankPinyin
	}
	return rankNone
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func (idx *index) search(query string, limit int) []School {
	q := Normalize(query)
	type hit struct {
		rank int
		e    *indexEntry
	}
	var hits []hit
	for i := range idx.entries {
		e := &idx.entries[i]
		r := rankPrefix // empty query lists everything
		if q != "" {
			r = e.rank(q)
		}
		if r != rankNone {
			hits = append(hits, hit{r, e})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].rank != hits[j].rank {
			return hits[i].rank < hits[j].rank
		}
		return hits[i].e.school.Name < hits[j].e.school.Name
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	out := make([]School, len(hits))
	for i, h := range hits {
		out[i] = h.e.school
	}
	return out
}
