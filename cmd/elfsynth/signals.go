package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses after a signal, as a shell reports them: 128 + the signal.
const (
	exitInterrupted = 130 // SIGINT
	exitTerminated  = 143 // SIGTERM
)

// interruptible is a context that ends on SIGINT or SIGTERM, which ldrun
// turns into killing the linkers it runs and removing its folders.
type interruptible struct {
	context.Context
	cancel context.CancelFunc
	sig    chan os.Signal
	done   chan struct{}
	got    os.Signal // set before done closes
}

func newInterruptible() *interruptible {
	ctx, cancel := context.WithCancel(context.Background())
	in := &interruptible{Context: ctx, cancel: cancel, sig: make(chan os.Signal, 1), done: make(chan struct{})}
	signal.Notify(in.sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		defer close(in.done)
		if s, ok := <-in.sig; ok {
			in.got = s
			cancel()
		}
	}()
	return in
}

// status stops listening and returns the exit status a signal asks for,
// or 0 when none came. Call it once the work has stopped.
func (in *interruptible) status() int {
	signal.Stop(in.sig) // no more sends after this
	close(in.sig)
	<-in.done
	in.cancel()
	switch in.got {
	case os.Interrupt:
		return exitInterrupted
	case syscall.SIGTERM:
		return exitTerminated
	}
	return 0
}
