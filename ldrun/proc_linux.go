package ldrun

import (
	"context"
	"errors"
	"os/exec"
	"syscall"
	"time"
	"unsafe"
)

// waitDelay is how long Wait waits for the output pipes after the program's
// process group is gone: only a process that left the group (setsid) can
// still hold them.
const waitDelay = 2 * time.Second

// runProgram runs cmd until it exits or ctx ends, in a process group of
// its own that is killed whole: when ctx ends (a timeout, an interrupt,
// SIGTERM), and after the program exits, so that nothing it started
// outlives it. A program that exits 0 has succeeded even if a process it
// left behind kept its output open. Once ctx has ended its error is
// returned, whatever the program did.
func runProgram(ctx context.Context, cmd *exec.Cmd) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// Pdeathsig kills the program should elfsynth itself be killed
	// (SIGKILL cannot be caught); the group kill below does the rest.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = waitDelay
	if err := cmd.Start(); err != nil {
		return err
	}
	pgid := cmd.Process.Pid
	exited := make(chan struct{})
	go func() {
		waitExited(pgid)
		close(exited)
	}()
	select {
	case <-exited:
	case <-ctx.Done():
		killGroup(pgid)
		<-exited
	}
	// The program has exited but is not reaped yet, so its process group
	// ID cannot have been reused: what is left in the group is its own.
	killGroup(pgid)
	err := cmd.Wait()
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState.Success() {
		// Something outside the group held the pipes; the program itself
		// succeeded.
		return nil
	}
	return err
}

func killGroup(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGKILL) }

// waitExited blocks until the child pid has exited, without reaping it
// (waitid with WNOWAIT), so that its pid and process group ID stay
// reserved until cmd.Wait reaps it.
func waitExited(pid int) {
	const pPID = 1     // P_PID
	var info [128]byte // siginfo_t
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid), uintptr(unsafe.Pointer(&info)),
			syscall.WEXITED|syscall.WNOWAIT, 0, 0)
		if errno != syscall.EINTR {
			return
		}
	}
}
