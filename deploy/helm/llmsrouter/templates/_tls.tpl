{{/* TLS between the services and how the gateway proves itself to the router.
     With tls.enabled every gRPC hop is mutual TLS: each component mounts its own certificate
     (Secret with tls.crt, tls.key, ca.crt) and the router trusts the gateway by its
     certificate name. Without TLS the gateway sends LLMSROUTER_SERVICE_TOKEN from the Secret. */}}

{{- define "llmsrouter.tlsSecretName" -}}
{{- $given := index .root.Values.tls.existingSecrets .component -}}
{{- $given | default (printf "%s-%s-tls" (include "llmsrouter.fullname" .root) .component) -}}
{{- end -}}

{{/* The gateway's certificate name, which the router trusts. */}}
{{- define "llmsrouter.gatewayPeer" -}}
{{- printf "%s-gateway" (include "llmsrouter.fullname" .) -}}
{{- end -}}

{{/* "existing", "cert-manager", or fails with what to do. */}}
{{- define "llmsrouter.tlsSource" -}}
{{- $s := .Values.tls.existingSecrets -}}
{{- if and $s.gateway $s.router $s.auth $s.tracer -}}
existing
{{- else if or $s.gateway $s.router $s.auth $s.tracer -}}
{{- fail "tls.existingSecrets: give a Secret for each of gateway, router, auth and tracer (or none, to use cert-manager)" -}}
{{- else if .Capabilities.APIVersions.Has "cert-manager.io/v1" -}}
cert-manager
{{- else -}}
{{- fail "tls.enabled needs certificates: set tls.existingSecrets, or install cert-manager (its CRDs), or set tls.enabled=false with secrets.values.LLMSROUTER_SERVICE_TOKEN" -}}
{{- end -}}
{{- end -}}

{{/* Environment of a component's container for TLS (or the service token). */}}
{{- define "llmsrouter.tlsEnv" -}}
{{- if .root.Values.tls.enabled }}
- name: LLMSROUTER_TLS_CERT
  value: /etc/llmsrouter-tls/tls.crt
- name: LLMSROUTER_TLS_KEY
  value: /etc/llmsrouter-tls/tls.key
- name: LLMSROUTER_TLS_CA
  value: /etc/llmsrouter-tls/ca.crt
- name: LLMSROUTER_TLS_REFRESH_SECONDS
  value: {{ .root.Values.tls.refreshSeconds | quote }}
{{- if eq .component "router" }}
- name: LLMSROUTER_TRUSTED_PEERS
  value: {{ include "llmsrouter.gatewayPeer" .root }}
{{- else if eq .component "auth" }}
{{- /* Only the router may call auth's LimitsService (admission and settlement). */}}
- name: LLMSROUTER_TRUSTED_PEERS
  value: {{ printf "%s-router" (include "llmsrouter.fullname" .root) }}
{{- end }}
{{- else if and .root.Values.accounts.enabled (not .root.Values.secrets.existingSecret) (not .root.Values.secrets.values.LLMSROUTER_SERVICE_TOKEN) }}
{{- fail "with tls.enabled=false and accounts on, set secrets.values.LLMSROUTER_SERVICE_TOKEN (at least 16 characters; the gateway proves itself to the router with it)" }}
{{- end }}
{{- end -}}

{{- define "llmsrouter.tlsVolumeMount" -}}
{{- if .root.Values.tls.enabled }}
- name: tls
  mountPath: /etc/llmsrouter-tls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "llmsrouter.tlsVolume" -}}
{{- if .root.Values.tls.enabled }}
- name: tls
  secret:
    secretName: {{ include "llmsrouter.tlsSecretName" . }}
{{- end }}
{{- end -}}
