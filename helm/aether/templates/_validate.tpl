{{/* Cross-value checks that values.schema.json cannot express; included from robot-rbac.yaml. */}}
{{- define "aether.validate" -}}
{{- $robotNamespaces := include "aether.robots.namespaces" . | fromJsonArray }}
{{- range $ns, $_ := .Values.robots.credentialSecrets }}
{{- if not (has $ns $robotNamespaces) }}
{{- fail (printf "robots.credentialSecrets has namespace %q, which is not a robot namespace (robots.namespaces: %s)" $ns (join ", " $robotNamespaces)) }}
{{- end }}
{{- end }}
{{- $_ := include "aether.database.secretName" . }}
{{- end }}
