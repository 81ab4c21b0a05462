module example.com/layouts

go 1.26.0

require github.com/elfsynth/elfsynth v0.0.0

require (
	github.com/goccy/go-yaml v1.19.2 // indirect
	github.com/twitchyliquid64/golang-asm v0.15.1 // indirect
	golang.org/x/arch v0.33.0 // indirect
)

replace github.com/elfsynth/elfsynth => ../../..
