module github.com/elfsynth/elfsynth

go 1.26.0

require (
	github.com/goccy/go-yaml v1.19.2
	github.com/stretchr/testify v1.12.1
	github.com/twitchyliquid64/golang-asm v0.15.1
	golang.org/x/arch v0.33.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
