module github.com/elfsynth/elfsynth

go 1.26
