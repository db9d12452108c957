{{- define "aiops.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "aiops.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "aiops.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "aiops.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "aiops.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "aiops.secretName" -}}
{{- default (printf "%s-secrets" (include "aiops.fullname" .)) .Values.existingSecret -}}
{{- end -}}

{{- define "aiops.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The pod spec every role shares; `args` is the role's command line. */}}
{{- define "aiops.pod" -}}
{{- $root := .root -}}
serviceAccountName: {{ include "aiops.serviceAccountName" $root }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets: {{- toYaml . | nindent 2 }}
{{- end }}
securityContext: {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
{{- if .restartPolicy }}
restartPolicy: {{ .restartPolicy }}
{{- end }}
containers:
  - name: {{ .component }}
    image: {{ include "aiops.image" $root }}
    imagePullPolicy: {{ $root.Values.image.pullPolicy }}
    args: {{- toYaml .args | nindent 6 }}
    securityContext: {{- toYaml $root.Values.securityContext | nindent 6 }}
    envFrom:
      - configMapRef:
          name: {{ include "aiops.fullname" $root }}-settings
      - secretRef:
          name: {{ include "aiops.secretName" $root }}
    {{- with .ports }}
    ports: {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- if .probes }}
    livenessProbe:
      httpGet: { path: /healthz, port: health }
      periodSeconds: 15
    readinessProbe:
      httpGet: { path: /readyz, port: health }
      periodSeconds: 10
    startupProbe:
      httpGet: { path: /healthz, port: health }
      periodSeconds: 5
      failureThreshold: 60
    {{- end }}
    resources: {{- toYaml (default dict .resources) | nindent 6 }}
    volumeMounts:
      - { name: home, mountPath: /var/lib/aiops }
      - { name: tmp, mountPath: /tmp }
      {{- if and $root.Values.temporal.tls.enabled $root.Values.temporal.tls.secretName }}
      - { name: temporal-tls, mountPath: /etc/aiops/temporal-tls, readOnly: true }
      {{- end }}
volumes:
  - { name: home, emptyDir: {} }
  - { name: tmp, emptyDir: {} }
  {{- if and $root.Values.temporal.tls.enabled $root.Values.temporal.tls.secretName }}
  - name: temporal-tls
    secret:
      secretName: {{ $root.Values.temporal.tls.secretName }}
  {{- end }}
{{- end -}}
