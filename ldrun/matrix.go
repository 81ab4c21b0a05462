package ldrun

import (
	"context"
	"runtime"
	"sync"
)

// Job is one link of a matrix.
type Job struct {
	Options Options
	Inputs  []Input
}

// Outcome is what one Job gave.
type Outcome struct {
	Result *Result
	Err    error
}

// LinkAll runs every job, at most workers at a time (zero means one per
// core), and returns the outcomes in job order. progress, when not nil, is
// called after each job with the number done so far; calls never overlap.
func LinkAll(ctx context.Context, jobs []Job, workers int, progress func(done, total int)) []Outcome {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	out := make([]Outcome, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < min(workers, len(jobs)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r, err := Link(ctx, jobs[i].Options, jobs[i].Inputs)
				out[i] = Outcome{r, err}
				mu.Lock()
				done++
				if progress != nil {
					progress(done, len(jobs))
				}
				mu.Unlock()
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}
