package ldrun

import (
	"context"
	"runtime"
	"sync"

	"github.com/elfsynth/elfsynth/synth"
)

// Job is one link of a matrix.
type Job struct {
	Options Options
	Inputs  *synth.Inputs
}

// LinkAll runs every job, at most workers at a time (zero means one per
// core). done is called as each job finishes, with its index, its result
// or error; calls never overlap, and LinkAll keeps nothing, so a caller
// that drops images keeps a matrix of any size in little memory.
func LinkAll(ctx context.Context, jobs []Job, workers int, done func(i int, r *Result, err error)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w := 0; w < min(workers, len(jobs)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r, err := Link(ctx, jobs[i].Options, jobs[i].Inputs)
				mu.Lock()
				done(i, r, err)
				mu.Unlock()
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
}
