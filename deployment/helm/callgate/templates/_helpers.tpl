{{/* The release's name for its objects (the chart name when the release is called so). */}}
{{- define "callgate.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "callgate.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "callgate.labels" -}}
{{ include "callgate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "callgate.whatsappSecret" -}}
{{- .Values.whatsapp.existingSecret | default (printf "%s-whatsapp" (include "callgate.fullname" .)) -}}
{{- end -}}

{{- define "callgate.databaseSecret" -}}
{{- .Values.database.existingSecret | default (printf "%s-db" (include "callgate.fullname" .)) -}}
{{- end -}}
