{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "aether.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Prefix of every resource name: <release>-<chart>, or <release> when it already names the chart. */}}
{{- define "aether.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "aether.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Standard labels; pass (dict "ctx" $ "component" "operator"). */}}
{{- define "aether.labels" -}}
helm.sh/chart: {{ include "aether.chart" .ctx }}
{{ include "aether.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: aether
{{- end }}

{{- define "aether.selectorLabels" -}}
app.kubernetes.io/name: {{ include "aether.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "aether.operator.fullname" -}}
{{- printf "%s-operator" (include "aether.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "aether.operator.serviceAccountName" -}}
{{- default (include "aether.operator.fullname" .) .Values.operator.serviceAccount.name }}
{{- end }}

{{- define "aether.apiserver.fullname" -}}
{{- printf "%s-apiserver" (include "aether.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "aether.apiserver.serviceAccountName" -}}
{{- default (include "aether.apiserver.fullname" .) .Values.apiServer.serviceAccount.name }}
{{- end }}

{{- define "aether.postgresql.fullname" -}}
{{- printf "%s-postgresql" (include "aether.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* <registry>/<repository>:<tag>; pass (dict "ctx" $ "repository" ...). */}}
{{- define "aether.image" -}}
{{- $tag := default .ctx.Chart.AppVersion .ctx.Values.image.tag }}
{{- if .ctx.Values.image.registry }}
{{- printf "%s/%s:%s" .ctx.Values.image.registry .repository $tag }}
{{- else }}
{{- printf "%s:%s" .repository $tag }}
{{- end }}
{{- end }}

{{- define "aether.operator.image" -}}
{{- include "aether.image" (dict "ctx" . "repository" .Values.image.operator.repository) }}
{{- end }}

{{- define "aether.robot.image" -}}
{{- include "aether.image" (dict "ctx" . "repository" .Values.image.robot.repository) }}
{{- end }}

{{/* Namespaces with robots: the listed ones, or the release namespace. */}}
{{- define "aether.robots.namespaces" -}}
{{- $ns := .Values.robots.namespaces | default (list .Release.Namespace) }}
{{- toJson (uniq $ns) }}
{{- end }}

{{/* Secret and key holding the database URL: the user's Secret, or the one generated for the bundled PostgreSQL. */}}
{{- define "aether.database.secretName" -}}
{{- if .Values.postgresql.enabled }}
{{- include "aether.postgresql.fullname" . }}
{{- else }}
{{- required "database.existingSecret.name is needed unless postgresql.enabled=true (a Secret holding the PostgreSQL URL)" .Values.database.existingSecret.name }}
{{- end }}
{{- end }}

{{- define "aether.database.secretKey" -}}
{{- if .Values.postgresql.enabled }}url{{ else }}{{ .Values.database.existingSecret.key }}{{ end }}
{{- end }}

{{/* Empty, or an imagePullSecrets block; use as {{- with include "aether.imagePullSecrets" . }}{{ . | nindent 6 }}{{ end }}. */}}
{{- define "aether.imagePullSecrets" -}}
{{- with .Values.image.pullSecrets -}}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end }}

{{/* Entry points inside the images (the Dockerfiles' WORKDIR is /app; tsc emits to dist/). */}}
{{- define "aether.entrypoint.operator" -}}dist/operator/src/main.js{{- end }}
{{- define "aether.entrypoint.migrate" -}}dist/migrations/cli.js{{- end }}
{{- define "aether.entrypoint.apiserver" -}}dist/api-server/src/main.js{{- end }}
